"""HTTP adapter of the analytics module: views parse input, call one service, render output."""
