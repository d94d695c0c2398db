"""HTTP adapter of the payments module: views parse input, call one service, render output."""
