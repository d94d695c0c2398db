"""Seeding through the API only: products (staff), stock (staff inventory), customers
(registration) and their money (wallet top-up). Names carry the run's id, so runs against
the same system never collide."""

from __future__ import annotations

import itertools
import os
import secrets
import time
from decimal import Decimal

from acceptance.client import Api

RUN = f"{time.strftime('%H%M%S')}{secrets.token_hex(3)}"
PASSWORD = "acceptance-Customer-pass-9"
MAX_TOP_UP = Decimal(os.environ.get("SEAMS_ACCEPTANCE_MAX_TOP_UP", "1000.00"))
API = "/api/v1"
TERMINAL = {"confirmed", "cancelled"}


class Customer(Api):
    """A registered, signed-in customer."""

    def __init__(self, email: str, token: str, customer_id: int) -> None:
        super().__init__(token)
        self.email = email
        self.id = customer_id

    def balance(self) -> Decimal:
        return Decimal(self.get(f"{API}/payments/wallet/", expect=200).json()["balance"])

    def order(self, order_id: int) -> dict:
        return self.get(f"{API}/orders/{order_id}/", expect=200).json()

    def settled(self, order_id: int) -> dict | None:
        """The order once it is ``confirmed`` or ``cancelled``, else None."""
        order = self.order(order_id)
        return order if order["status"] in TERMINAL else None

    def everything(self, path: str) -> list[dict]:
        """Every item of a paginated list, following ``next`` links."""
        items, url = [], f"{path}?page_size=100"
        while url:
            page = self.get(url, expect=200).json()
            items += page["results"]
            url = page["next"]
        return items


class Shop:
    """Makes uniquely named products and customers for one run."""

    def __init__(self, staff: Api) -> None:
        self.staff = staff
        self.anonymous = Api()
        self._numbers = itertools.count(1)

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{RUN}-{next(self._numbers)}"

    def product(self, price: str = "10.00", stock: int = 0, **fields) -> dict:
        sku = self.unique("ACC")
        body = {"sku": sku, "name": f"Acceptance {sku}", "price": price, **fields}
        product = self.staff.post(f"{API}/catalog/products/", body, expect=201).json()
        if stock:
            self.restock(sku, stock)
        return product

    def restock(self, sku: str, delta: int) -> dict:
        return self.staff.post(
            f"{API}/inventory/stock/{sku}/adjust/", {"delta": delta}, expect=200
        ).json()

    def stock(self, sku: str) -> dict:
        return self.anonymous.get(f"{API}/inventory/stock/{sku}/", expect=200).json()

    def register(self) -> tuple[str, int]:
        email = f"{self.unique('acc').lower()}@example.com"
        body = {"email": email, "password": PASSWORD}
        created = self.anonymous.post(f"{API}/accounts/register/", body, expect=201).json()
        return email, created["id"]

    def login(self, email: str, password: str = PASSWORD) -> dict:
        body = {"email": email, "password": password}
        return self.anonymous.post(f"{API}/accounts/token/", body, expect=200).json()

    def customer(self, funds: str = "0") -> Customer:
        email, customer_id = self.register()
        customer = Customer(email, self.login(email)["access"], customer_id)
        self.fund(customer, Decimal(funds))
        return customer

    def fund(self, customer: Api, amount: Decimal) -> None:
        while amount > 0:
            step = min(amount, MAX_TOP_UP)
            customer.post(f"{API}/payments/wallet/top-up/", {"amount": f"{step:.2f}"}, expect=200)
            amount -= step
