"""Runs: notebook parameters (``params``), the batch runner over many parameter sets with warm
Jupyter kernels (``batch``)."""
