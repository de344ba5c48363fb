"""Training and inference estimates for one model on one accelerator type."""
