"""PUBLIC: the accounts module's typed functions and the DTOs they take and return."""
