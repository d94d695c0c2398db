"""HTTP adapter of the notifications module: views parse input, call one service, render output."""
