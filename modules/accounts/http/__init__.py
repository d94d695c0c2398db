"""HTTP adapter of the accounts module: views parse input, call one service, render output."""
