"""The orders module's tables; nobody else reads or writes them."""
