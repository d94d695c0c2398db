"""PUBLIC: the orders module's typed functions and the DTOs they take and return."""
