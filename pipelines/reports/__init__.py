"""Reports that generate a demo portfolio, build it and measure the score or the model on it (run with python -m).

They live above models/ because they drive the pipeline; models/ only takes frames and returns frames."""
