"""The catalog module's tables; nobody else reads or writes them."""
