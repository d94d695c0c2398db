"""HTTP adapter of the catalog module: views parse input, call one service, render output."""
