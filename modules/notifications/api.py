"""PUBLIC: the notifications module's typed functions and the DTOs they take and return."""
