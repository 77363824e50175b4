"""MT-Diffusion on Fashion-MNIST: data, schedules, network, training, export, evaluation."""
