"""Demand: its model as a scenario gives it (:mod:`~gigaplan.demand.schema`,
pydantic only) and the sampled, reduced paths (:mod:`~gigaplan.demand.paths`,
numpy; imported where used so reading a scenario stays light).
"""
