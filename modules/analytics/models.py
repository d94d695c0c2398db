"""The analytics module's tables; nobody else reads or writes them."""
