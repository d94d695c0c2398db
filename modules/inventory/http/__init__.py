"""HTTP adapter of the inventory module: views parse input, call one service, render output."""
