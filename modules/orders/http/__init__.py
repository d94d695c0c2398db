"""HTTP adapter of the orders module: views parse input, call one service, render output."""
