"""Users, the businesses they can reach, and each business's (lazily seeded) books.

``World.seeded`` is cheap: it builds people and businesses only. A business's books are
seeded on first use from ``Random(f"{seed}:{business key}")``, so a test that touches one
business pays for one, and every business's data is the same whichever is touched first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

from ledgergraph.sandbox.books.catalogue import CatalogueEntry, catalogue_from
from ledgergraph.sandbox.books.countries import CountryProfile, load_country, parse_instant
from ledgergraph.sandbox.books.seeding import BusinessSeed, seed_books
from ledgergraph.sandbox.books.store import Books

DEMO_USER_ID = "8b7c3f2e-5d41-4a9e-9c6b-2f1e0d3a4b5c"
SOLO_USER_ID = "1f0e9d8c-7b6a-4594-8372-615049382716"

_WORLD_FILE = Path(__file__).with_name("world.json")


def business_id_for(key: str) -> str:
    """The stable 32-hex id of the business seeded from ``world.json`` under ``key``."""
    return hashlib.md5(f"ledgergraph-sandbox:{key}".encode(), usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class Subscription:
    id: str
    displayed_as: str
    active: bool
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True, eq=False)
class Business:
    id: str
    name: str
    country_code: str
    key: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    telephone: str = ""
    mobile: str = ""
    website: str = ""
    is_demo: bool = False
    business_type_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    subscriptions: list[Subscription] = field(default_factory=list)
    catalogue: tuple[CatalogueEntry, ...] = ()
    _seeder: Callable[[Business], Books] | None = field(default=None, repr=False)
    _books: Books | None = field(default=None, repr=False)

    @property
    def country(self) -> CountryProfile:
        return load_country(self.country_code)

    @property
    def has_active_subscription(self) -> bool:
        return any(s.active for s in self.subscriptions)

    @property
    def ni_based(self) -> bool | None:
        return self.region == "County Antrim" if self.country_code == "GB" else None

    @property
    def books(self) -> Books:
        if self._books is None:
            if self._seeder is None:
                raise RuntimeError(f"business {self.id} has no books")
            self._books = self._seeder(self)
        return self._books

    @property
    def books_seeded(self) -> bool:
        return self._books is not None


@dataclass(slots=True, eq=False)
class User:
    id: str
    first_name: str
    last_name: str
    email: str
    business_ids: list[str] = field(default_factory=list)
    lead_business_id: str = ""
    locale: str = "en-GB"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def displayed_as(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True, eq=False)
class World:
    users: dict[str, User]
    businesses: dict[str, Business]
    # The instant the world was made; seeded history lies before it.
    epoch: datetime = field(default_factory=_utc_now)
    clock: Callable[[], datetime] = _utc_now

    @classmethod
    def seeded(
        cls,
        seed: int,
        scale: float = 1.0,
        *,
        now: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> World:
        """The sandbox's people and businesses; books are seeded when first used."""
        clock = clock or _utc_now
        epoch = (now or clock()).astimezone(UTC).replace(microsecond=0)
        raw: dict[str, Any] = json.loads(_WORLD_FILE.read_text("utf-8"))

        def seeder(business: Business) -> Books:
            return seed_books(
                BusinessSeed(
                    id=business.id,
                    country=business.country,
                    created_at=business.created_at,
                    business_type_id=business.business_type_id,
                    region=business.region,
                    catalogue=business.catalogue,
                ),
                rng=Random(f"{seed}:{business.key}"),
                scale=scale,
                epoch=epoch,
                clock=clock,
            )

        businesses = {}
        for spec in raw["businesses"]:
            business = _business_from(spec, seeder)
            businesses[business.id] = business
        users = {}
        for spec in raw["users"]:
            created = parse_instant(spec["created_at"])
            user = User(
                id=spec["id"],
                first_name=spec["first_name"],
                last_name=spec["last_name"],
                email=spec["email"],
                business_ids=[business_id_for(key) for key in spec["businesses"]],
                lead_business_id=business_id_for(spec["lead"]),
                locale=spec["locale"],
                created_at=created,
                updated_at=created,
            )
            users[user.id] = user
        return cls(users=users, businesses=businesses, epoch=epoch, clock=clock)

    def now(self) -> datetime:
        return self.clock()

    def user_can_access(self, user_id: str, business_id: str) -> bool:
        user = self.users.get(user_id)
        return user is not None and business_id in user.business_ids

    def businesses_of(self, user_id: str) -> list[Business]:
        user = self.users[user_id]
        return [self.businesses[b] for b in user.business_ids if b in self.businesses]

    def lead_business(self, user_id: str) -> Business | None:
        user = self.users.get(user_id)
        if user is None or not user.lead_business_id:
            return None
        return self.businesses.get(user.lead_business_id)

    def set_lead_business(self, user_id: str, business_id: str) -> None:
        if not self.user_can_access(user_id, business_id):
            raise ValueError(f"user {user_id} cannot access business {business_id}")
        self.users[user_id].lead_business_id = business_id

    def revoke_access(self, user_id: str, business_id: str) -> None:
        """Take a business away from a user; if it was the lead, the next one leads (as in Sage)."""
        user = self.users[user_id]
        if business_id in user.business_ids:
            user.business_ids.remove(business_id)
        if user.lead_business_id == business_id:
            user.lead_business_id = user.business_ids[0] if user.business_ids else ""

    def grant_access(self, user_id: str, business_id: str) -> None:
        if business_id not in self.businesses:
            raise KeyError(business_id)
        user = self.users[user_id]
        if business_id not in user.business_ids:
            user.business_ids.append(business_id)
        if not user.lead_business_id:
            user.lead_business_id = business_id


def _business_from(spec: dict[str, Any], seeder: Callable[[Business], Books]) -> Business:
    created = parse_instant(spec["created_at"])
    sub = spec["subscription"]
    return Business(
        id=business_id_for(spec["key"]),
        key=spec["key"],
        name=spec["name"],
        country_code=spec["country"],
        address_line_1=spec["address_line_1"],
        address_line_2=spec.get("address_line_2", ""),
        city=spec["city"],
        region=spec["region"],
        postal_code=spec["postal_code"],
        telephone=spec.get("telephone", ""),
        mobile=spec.get("mobile", ""),
        website=spec.get("website", ""),
        business_type_id=spec.get("business_type"),
        created_at=created,
        updated_at=created,
        subscriptions=[
            Subscription(
                id=sub["id"],
                displayed_as=sub["displayed_as"],
                active=bool(sub["active"]),
                status=sub["status"],
                created_at=created,
                updated_at=created,
            )
        ],
        catalogue=catalogue_from(spec["catalogue"]),
        _seeder=seeder,
    )
