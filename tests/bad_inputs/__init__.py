"""Tables of bad inputs: each gives one clear error (exit code 2 for a command), never a crash."""
