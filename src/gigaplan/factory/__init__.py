"""Discrete-event model of the GW build pipeline (``gigaplan factory``).

Projects (campus phases) flow through permits, power (grid interconnection or
on-site generation), transformers, construction and IT fit-out, competing for
constrained resources whose capacity changes over time. See
:mod:`gigaplan.factory.model` (SimPy processes), :mod:`~gigaplan.factory.analysis`
(bands, Little's law, bottlenecks) and :mod:`~gigaplan.factory.whatif`.
SimPy is imported only when a simulation runs.
"""

from gigaplan.factory.schema import FactorySection

__all__ = ["FactorySection"]
