"""Demo data (`sendcloud-emulator demo`): realistic accounts and 30 days of traffic, from one seed.

`config()` builds the configuration as a fixtures document (docs/fixtures.md): accounts, domains,
API_USERs, labels, templates (some pending or rejected) and address lists with members and vars.
`generate()` loads it and adds sent mails with a realistic spread of events over the last 30 days,
written through the outbox tables, so statistics and data/emailStatus look real.

Everything random comes from `random.Random(seed)` and a Faker seeded with the same seed: the same
seed, options, Faker version and reference time (`now`) give the same rows, ids and keys included.
"""

import json
import random
import string
from collections import Counter as Tally
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from faker import Faker

from . import demo_content as content
from . import fixtures
from .domain import accounts as account_rules
from .domain import clock, label, quota, suppression, template
from .domain.events import Emitter
from .domain.outbox import Mail
from .store.db import Store

DAYS = 30

# Delivery outcome shares of the mails that have one (docs/fixtures.md: about 90 / 5 / 5 %). Each run
# hands out exactly these shares (rounded) and then picks recipients to fit, so that a suppressed
# recipient (whose mail is invalid whatever happens) never tips the balance.
SHARES = {"deliver": 0.90, "invalid": 0.05, "soft_bounce": 0.05}
# The other reasons of an invalid mail (406, a mailbox that does not exist, is 3 in 5 of them; 401/402
# only ever come from the suppression lists, to a suppressed recipient).
INVALID_SUB_STATS = [403, 404, 405, 407, 408, 409]
SOFT_SUB_STATS = [503, 504, 505, 506, 506, 507, 508, 509]
PEOPLE = 200  # the people of the address lists (the first of the recipients)


def _slug(text: str, rng: random.Random) -> str:
    slug = "".join(c for c in text.lower() if c in string.ascii_lowercase + string.digits)
    return slug[:20] or "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


def _faker(seed: int, locale: str) -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _lang(locale: str) -> str:
    return "zh" if locale.lower().startswith("zh") else "en"


def people(seed: int, locale: str, count: int) -> list[dict]:
    """`count` people with coherent name, address and city (the same seed: the same first people)."""
    rng, fake = random.Random(seed * 104729 + 7), _faker(seed + 2, locale)
    lang, seen, found = _lang(locale), set(), []
    while len(found) < count:
        if lang == "zh":
            name, city = fake.name(), fake.city()
            local = str(rng.randint(10**7, 4 * 10**9)) if rng.random() < 0.5 else fake.user_name()
            domain = "qq.com" if local.isdigit() else rng.choice(["163.com", "126.com", "sina.com", "foxmail.com"])
            address = f"{city}{fake.district()}区{fake.street_name()}{rng.randint(1, 300)}号"
        else:
            first, last = fake.first_name(), fake.last_name()
            name, city = f"{first} {last}", fake.city()
            slug = "".join(c for c in f"{first}.{last}".lower() if c.isalnum() or c == ".")
            local = slug + (str(rng.randint(1, 99)) if rng.random() < 0.3 else "")
            domain = fake.free_email_domain()
            address = f"{fake.street_address()}, {city}"
        email = f"{local}@{domain}"
        if email in seen:
            continue
        seen.add(email)
        found.append({"name": name, "email": email, "city": city, "address": address})
    return found


def config(seed: int = 42, accounts: int = 2, locale: str = "zh_CN") -> dict:
    """The demo configuration as a fixtures document (no times: `fixtures.load` stamps them)."""
    rng, fake = random.Random(seed), _faker(seed, locale)
    lang = _lang(locale)
    crowd = people(seed, locale, PEOPLE)
    result = []
    for number in range(1, accounts + 1):
        company = fake.company()
        user = f"demo{number}"
        site = f"{_slug(fake.domain_word() + fake.domain_word(), rng)}{number}"
        domains = [{"name": f"mail.{site}.com", "verify": 31}, {"name": f"news.{site}.com", "verify": 19}]
        lists = []
        for alias, name, description, levels in content.ADDRESS_LISTS:
            members = rng.sample(crowd, rng.randint(15, 40))
            lists.append({"address": f"{alias}@maillist.{site}.com", "name": name[lang], "desc": description[lang],
                          "members": [{"member": m["email"], "name": m["name"],
                                       "vars": {"name": m["name"], "city": m["city"],
                                                "level": content.LEVELS[lang][rng.choice(levels)]}}
                                      for m in members]})
        result.append({
            "userName": user,
            "apiUser": f"{user}_trigger",
            "apiKey": account_rules.random_key(rng=rng),
            "batchApiUser": f"{user}_batch",
            "batchApiKey": account_rules.random_key(rng=rng),
            "appKey": account_rules.random_key(rng=rng),
            "domain": f"{''.join(rng.choice(string.ascii_lowercase) for _ in range(10))}.sendcloud.org",
            "email": f"admin@{site}.com",
            "phone": fake.phone_number(),
            "quota": 10000,
            "templateReview": "manual" if number % 2 == 0 else "auto",
            "company": company,
            "domains": domains,
            "apiUsers": [
                {"name": f"{user}_notice", "apiKey": account_rules.random_key(rng=rng), "emailType": 0, "domain": domains[0]["name"],
                 "open": 1, "click": 1, "unsubscribe": 0},
                {"name": f"{user}_market", "apiKey": account_rules.random_key(rng=rng), "emailType": 1, "domain": domains[1]["name"],
                 "open": 1, "click": 1, "unsubscribe": 1},
            ],
            "labels": [scenario.label[lang] for scenario in content.SCENARIOS],
            "templates": [
                {"invokeName": scenario.key, "name": scenario.label[lang], "templateType": 1 if scenario.batch else 0,
                 "templateStat": scenario.stat, "subject": scenario.subject[lang],
                 "html": content.html(scenario, lang), "text": content.plain(scenario, lang)}
                for scenario in content.SCENARIOS
            ],
            "addressLists": lists,
        })
    return {"accounts": result}


def credentials(accounts: list[dict]) -> list[str]:
    """Every credential of the demo accounts (their control-API views), one line each."""
    lines = []
    for view in accounts:
        lines.append(f"{view['userName']}: apiUser={view['apiUser']} apiKey={view['apiKey']} "
                     f"batchApiUser={view['batchApiUser']} batchApiKey={view['batchApiKey']} appKey={view['appKey']}")
        for user in view["apiUsers"]:
            if user["name"] not in (view["apiUser"], view["batchApiUser"]):
                kind = "batch" if user["emailType"] == 1 else "trigger"
                lines.append(f"  apiUser={user['name']} apiKey={user['apiKey']} ({kind})")
    return lines


def _split(total: int, sizes: list[int]) -> list[int]:
    """`total` shared out in proportion to `sizes` (largest remainder: the parts add up exactly)."""
    whole = sum(sizes)
    if not whole:
        return [0] * len(sizes)
    exact = [total * size / whole for size in sizes]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(sizes)), key=lambda i: (parts[i] - exact[i], i))[:total - sum(parts)]:
        parts[i] += 1
    return parts


def _outcomes(rng: random.Random, sizes: list[int]) -> list[list[tuple[str, int | None]]]:
    """Per account (its number of mails in `sizes`), its mails' outcomes in random order: over all
    accounts exactly the documented shares (rounded), each account its fair part of them, and
    three in five invalid mails a mailbox that does not exist (406, so the bounce list fills)."""
    total = sum(sizes)
    invalid = _split(round(total * SHARES["invalid"]), sizes)
    soft = _split(round(total * SHARES["soft_bounce"]), sizes)
    found = []
    for size, bad, bounced in zip(sizes, invalid, soft):
        missing = round(bad * 0.6) if bad > 1 else bad
        items = ([("invalid", 406)] * missing + [("invalid", rng.choice(INVALID_SUB_STATS)) for _ in range(bad - missing)]
                 + [("soft_bounce", rng.choice(SOFT_SUB_STATS)) for _ in range(bounced)]
                 + [("deliver", None)] * (size - bad - bounced))
        rng.shuffle(items)
        found.append(items)
    return found


def _recipient(rng: random.Random, crowd: list[dict], blocked: dict[str, int], suppressed_ok: bool,
               taken: set[str]) -> dict:
    """Someone for a mail: a suppressed address only where `suppressed_ok` (an invalid mail whose
    reason is not 406; its reason then becomes the list's 401/402)."""
    for _ in range(30):
        person = crowd[rng.randrange(len(crowd))]
        key = person["email"].lower()
        if key not in taken and (suppressed_ok or key not in blocked):
            return person
    free = [p for p in crowd if p["email"].lower() not in taken and
            (suppressed_ok or p["email"].lower() not in blocked)]
    return free[rng.randrange(len(free))] if free else crowd[rng.randrange(len(crowd))]


def generate(store: Store, seed: int = 42, mails: int = 500, accounts: int = 2, locale: str = "zh_CN",
             now: datetime | None = None, timezone: str = "Asia/Shanghai",
             progress: Callable[[int], None] | None = None) -> dict:
    """Load `config(seed, ...)` and add `mails` sent mails with their events over the last 30 days.

    `progress(n)` is called after each send with the number of mails it added."""
    now = now or clock.real_time()  # the accounts are new: their clocks are real time
    data = config(seed, accounts, locale)
    loaded = fixtures.load(store, data, now=now - timedelta(days=DAYS + 1))
    rng, fake = random.Random(seed * 7919 + 1), _faker(seed + 1, locale)
    lang, zone = _lang(locale), ZoneInfo(timezone)
    # Send times first, oldest first, so mail ids grow with time.
    times = sorted(now - timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(mails))
    # The sends first: (account, batch or trigger, recipients), so that outcomes can be shared out per account.
    plan, index = [], 0
    while index < mails:
        batch = rng.random() < 0.3
        size = min(mails - index, rng.randint(3, 12) if batch else rng.choice([1, 1, 1, 1, 2]))
        plan.append((rng.randrange(accounts), batch, size))
        index += size
    outcomes = _outcomes(rng, [sum(size for a, _b, size in plan if a == n) for n in range(accounts)])
    crowd = people(seed, locale, max(PEOPLE, mails // 3))
    events = 0
    per_day: Tally = Tally()
    with store.session(write=True) as session:
        setup = []
        for spec in data["accounts"]:
            account = account_rules.find_account(session, user_name=spec["userName"])
            users = account_rules.list_api_users(session, account.id, None, None, None)
            approved = {t.invoke_name for t in template.search(session, account.id, None, None, template.APPROVED,
                                                                0, 100)[0]}
            labels = {row.name: row.id for row in label.search(session, account.id, None, 0, 100)[0]}
            # Suppressed recipients (401 bounce/spam, 402 unsubscribe), kept up to date as events happen.
            blocked = suppression.suppressed(session, account.id, {p["email"].lower() for p in crowd})
            site = spec["domains"][0]["name"].removeprefix("mail.").removesuffix(".com")
            setup.append((account, spec, users, approved, labels, Emitter(session, account.id, now), blocked, site))
        index = 0
        for number, batch, size in plan:
            account, spec, users, approved, labels, emitter, blocked, site = setup[number]
            kinds = [s for s in content.SCENARIOS if s.batch == batch]
            scenario = rng.choices(kinds, weights=[s.weight for s in kinds])[0]
            users_of_type = [(u, d) for u, d in users if u.email_type == (1 if batch else 0)]
            user, domain = users_of_type[rng.randrange(len(users_of_type))]
            sent_at = times[index]
            seq = store.next_id(session, "message", first=1)
            message_id = (f"{int(sent_at.timestamp() * 1000)}_{account.id}_{seq}_{rng.randint(0, 9999)}"
                          ".sc-10_0_0_1-inbound")
            taken: set[str] = set()
            for position in range(size):
                at, (outcome, sub_stat) = times[index + position], outcomes[number].pop()
                person = _recipient(rng, crowd, blocked, outcome == "invalid" and sub_stat != 406, taken)
                address = person["email"]
                taken.add(address.lower())
                values = content.variables(scenario, lang, rng, person, spec["company"], site, at.astimezone(zone))
                mail = Mail(account_id=account.id, email_id=f"{message_id}{position}${address}", message_id=message_id,
                            api_user=user.name, recipient=address, recipient_key=address.lower(),
                            recipient_domain=address.rsplit("@", 1)[1].lower(),
                            from_address=f"{'news' if batch else 'noreply'}@{domain.name}", from_name=spec["company"],
                            to=json.dumps([address]), subject=content.render(scenario.subject[lang], values),
                            html=content.render(content.html(scenario, lang), values),
                            plain=content.render(content.plain(scenario, lang), values),
                            label_id=labels.get(scenario.label[lang], 0),
                            template_invoke_name=scenario.key if scenario.key in approved else None,
                            variables=json.dumps(values, ensure_ascii=False), request_time=at, status_time=at,
                            position=position)
                session.add(mail)
                session.flush()
                events += _events(emitter, blocked, rng, fake, mail, message_id, at, now, outcome, sub_stat)
                per_day[(account.id, at.astimezone(zone).date())] += 1
            index += size
            if progress is not None:
                progress(size)
        for *_, emitter, _blocked, _site in setup:
            emitter.flush()  # the pipeline buffers events and callbacks and inserts them in bulk
        for (account_id, day), used in sorted(per_day.items()):
            session.add(quota.QuotaUsage(account_id=account_id, day=day,
                                         used=used + quota.used_on(session, account_id, day)))
    return {"accounts": loaded, "mails": mails, "events": events}


def _events(emitter: Emitter, blocked: dict[str, int], rng: random.Random, fake: Faker, mail: Mail,
            message_id: str, at: datetime, now: datetime, outcome: str, sub_stat: int | None) -> int:
    """request, then `outcome` (with `sub_stat`); delivered mails may be opened, clicked, unsubscribed, reported.

    Events go through the event pipeline (status, suppression lists, webhooks), each at its own time.
    """
    log = []
    if now - at <= timedelta(minutes=5):
        pass  # still on its way
    elif mail.recipient_key in blocked:  # _recipient() only gives a suppressed address an invalid mail
        log.append(("invalid", blocked[mail.recipient_key], None, at + timedelta(seconds=1)))
    else:
        moment = at + timedelta(seconds=rng.uniform(1, 120))
        log.append((outcome, sub_stat, None, moment))
        if outcome == "deliver":
            if rng.random() < 0.4:
                moment += timedelta(minutes=rng.uniform(1, 600))
                log.append(("open", None, None, moment))
                if rng.random() < 0.35:
                    moment += timedelta(seconds=rng.uniform(5, 300))
                    log.append(("click", None, None, moment))  # the mail's first link
            if rng.random() < 0.02:
                moment += timedelta(minutes=rng.uniform(1, 60))
                log.append(("unsubscribe", None, None, moment))
            elif rng.random() < 0.01:
                moment += timedelta(minutes=rng.uniform(1, 60))
                log.append(("report_spam", None, None, moment))
    emitter.now = at
    emitter.request([mail], message_id)
    count = 1
    ip, agent = fake.ipv4_public(), fake.user_agent()
    for event, sub_stat, url, moment in log:
        if moment > now:
            break
        emitter.now = moment
        emitter.emit(mail, event, sub_stat, url, ip if event in ("open", "click", "unsubscribe") else None,
                     agent if event in ("open", "click", "unsubscribe") else None)
        if (event == "invalid" and sub_stat == 406) or event == "report_spam":
            blocked[mail.recipient_key] = 401
        elif event == "unsubscribe":
            blocked.setdefault(mail.recipient_key, 402)
        count += 1
    return count
