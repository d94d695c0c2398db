"""The inventory module's tables; nobody else reads or writes them."""
