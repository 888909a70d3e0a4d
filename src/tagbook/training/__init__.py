"""What every training loop shares: label sampling, the losses and loop pieces, and the
data-parallel context under ``torchrun``. It knows no particular model."""
