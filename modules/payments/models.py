"""The payments module's tables; nobody else reads or writes them."""
