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
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from faker import Faker

from . import fixtures
from .domain import accounts as account_rules
from .domain import clock, label, quota, suppression, template
from .domain.events import Emitter
from .domain.outbox import Mail
from .store.db import Store

DAYS = 30

LABELS = {
    "zh": ["注册验证", "密码重置", "订单通知", "营销活动", "会员周报", "账单提醒"],
    "en": ["Sign-up", "Password reset", "Orders", "Campaigns", "Weekly digest", "Billing"],
}
TEMPLATES = [  # invokeName, templateType (0 trigger, 1 batch), templateStat, zh subject, en subject
    ("welcome", 0, template.APPROVED, "欢迎加入 %company%，%name%", "Welcome to %company%, %name%"),
    ("verify_code", 0, template.APPROVED, "您的验证码是 %code%", "Your verification code is %code%"),
    ("password_reset", 0, template.APPROVED, "重置您的密码", "Reset your password"),
    ("order_shipped", 0, template.APPROVED, "您的订单 %order% 已发货", "Your order %order% has shipped"),
    ("newsletter", 1, template.APPROVED, "%company% 本周精选", "This week at %company%"),
    ("spring_sale", 1, template.PENDING, "春季大促，全场五折", "Spring sale: 50% off"),
    ("lottery", 1, template.REJECTED, "恭喜您中奖了！", "You have won a prize!"),
    ("draft_notice", 0, template.NOT_SUBMITTED, "服务条款更新", "Our terms are changing"),
]
# Delivery outcome of a mail older than a few minutes: (weight, event, subStats).
OUTCOMES = [(90, "deliver", None), (5, "invalid", [401, 402, 403, 404, 405, 406, 406, 406, 407, 408, 409]),
            (5, "soft_bounce", [503, 504, 505, 506, 506, 507, 508, 509])]


def _slug(text: str, rng: random.Random) -> str:
    slug = "".join(c for c in text.lower() if c in string.ascii_lowercase + string.digits)
    return slug[:20] or "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


def _faker(seed: int, locale: str) -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _unique_emails(fake: Faker, count: int) -> list[str]:
    seen, out = set(), []
    while len(out) < count:
        email = fake.unique.email()
        if email.lower() not in seen:
            seen.add(email.lower())
            out.append(email)
    return out


def config(seed: int = 42, accounts: int = 2, locale: str = "zh_CN") -> dict:
    """The demo configuration as a fixtures document (no times: `fixtures.load` stamps them)."""
    rng, fake = random.Random(seed), _faker(seed, locale)
    lang = "zh" if locale.lower().startswith("zh") else "en"
    result = []
    for number in range(1, accounts + 1):
        company = fake.company()
        user = f"demo{number}"
        site = f"{_slug(fake.domain_word(), rng)}{number}"
        domains = [{"name": f"mail.{site}.com", "verify": 31}, {"name": f"news.{site}.com", "verify": 19}]
        invoke = [t for t in TEMPLATES]
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
            "labels": rng.sample(LABELS[lang], 4),
            "templates": [
                {"invokeName": name, "name": subject_zh if lang == "zh" else subject_en, "templateType": kind,
                 "templateStat": stat, "subject": subject_zh if lang == "zh" else subject_en,
                 "html": f"<html><body><h1>%name%</h1><p>{fake.paragraph(nb_sentences=3)}</p>"
                         f"<p><a href=\"https://www.{site}.com/{name}\">{fake.word()}</a></p>"
                         f"<p>%company%</p></body></html>",
                 "text": fake.paragraph(nb_sentences=2)}
                for name, kind, stat, subject_zh, subject_en in invoke
            ],
            "addressLists": [
                {"address": f"{alias}@maillist.{site}.com", "name": title, "desc": fake.sentence(),
                 "members": [{"member": email, "name": fake.name(),
                              "vars": {"name": fake.name(), "city": fake.city(), "code": str(rng.randint(1000, 9999))}}
                             for email in _unique_emails(fake, rng.randint(15, 40))]}
                for alias, title in (("newsletter", fake.catch_phrase()), ("vip", fake.catch_phrase()))
            ],
        })
    return {"accounts": result}


def generate(store: Store, seed: int = 42, mails: int = 500, accounts: int = 2, locale: str = "zh_CN",
             now: datetime | None = None, timezone: str = "Asia/Shanghai") -> dict:
    """Load `config(seed, ...)` and add `mails` sent mails with their events over the last 30 days."""
    now = now or clock.real_time()  # the accounts are new: their clocks are real time
    data = config(seed, accounts, locale)
    loaded = fixtures.load(store, data, now=now - timedelta(days=DAYS + 1))
    rng, fake = random.Random(seed * 7919 + 1), _faker(seed + 1, locale)
    zone = ZoneInfo(timezone)
    # Send times first, oldest first, so mail ids grow with time.
    times = sorted(now - timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(mails))
    recipients = _unique_emails(fake, max(20, mails // 3))
    events = 0
    per_day: Tally = Tally()
    with store.session(write=True) as session:
        setup = []
        for spec in data["accounts"]:
            account = account_rules.find_account(session, user_name=spec["userName"])
            users = account_rules.list_api_users(session, account.id, None, None, None)
            templates = [t for t in template.search(session, account.id, None, None, template.APPROVED, 0, 100)[0]]
            labels = label.search(session, account.id, None, 0, 100)[0]
            # Suppressed recipients (401 bounce/spam, 402 unsubscribe), kept up to date as events happen.
            blocked = suppression.suppressed(session, account.id, {r.lower() for r in recipients})
            setup.append((account, spec, users, templates, labels, Emitter(session, account.id, now), blocked))
        index = 0
        while index < len(times):
            account, spec, users, templates, labels, emitter, blocked = setup[rng.randrange(len(setup))]
            batch = rng.random() < 0.3
            users_of_type = [(u, d) for u, d in users if u.email_type == (1 if batch else 0)]
            user, domain = users_of_type[rng.randrange(len(users_of_type))]
            kind_templates = [t for t in templates if t.template_type == (1 if batch else 0)]
            chosen = kind_templates[rng.randrange(len(kind_templates))] if kind_templates and rng.random() < 0.7 else None
            tag = labels[rng.randrange(len(labels))] if rng.random() < 0.8 else None
            size = min(len(times) - index, rng.choice([1, 1, 1, 1, 2, 3]) if not batch else rng.randint(3, 12))
            sent_at = times[index]
            seq = store.next_id(session, "message", first=1)
            message_id = (f"{int(sent_at.timestamp() * 1000)}_{account.id}_{seq}_{rng.randint(0, 9999)}"
                          ".sc-10_0_0_1-inbound")
            for position in range(size):
                address = recipients[rng.randrange(len(recipients))]
                at = times[index + position]
                variables = {"name": fake.name(), "company": spec["company"], "code": str(rng.randint(100000, 999999)),
                             "order": f"SO{rng.randint(10**7, 10**8 - 1)}"}
                subject = chosen.subject if chosen else fake.sentence(nb_words=6).rstrip(".")
                html = chosen.html if chosen else f"<p>{fake.paragraph()}</p><p><a href=\"https://{domain.name}/\">{fake.word()}</a></p>"
                for name, value in variables.items():
                    subject, html = subject.replace(f"%{name}%", value), html.replace(f"%{name}%", value)
                mail = Mail(account_id=account.id, email_id=f"{message_id}{position}${address}", message_id=message_id,
                            api_user=user.name, recipient=address, recipient_key=address.lower(),
                            recipient_domain=address.rsplit("@", 1)[1].lower(),
                            from_address=f"{'news' if batch else 'noreply'}@{domain.name}", from_name=spec["company"],
                            to=json.dumps([address]), subject=subject, html=html,
                            label_id=tag.id if tag else 0,
                            template_invoke_name=chosen.invoke_name if chosen else None,
                            variables=json.dumps(variables, ensure_ascii=False), request_time=at, status_time=at)
                if hasattr(Mail, "position"):
                    mail.position = position
                session.add(mail)
                session.flush()
                events += _events(emitter, blocked, rng, fake, mail, message_id, at, now)
                per_day[(account.id, at.astimezone(zone).date())] += 1
            index += size
        for *_, emitter, _blocked in setup:
            emitter.flush()  # the pipeline buffers events and callbacks and inserts them in bulk
        for (account_id, day), used in sorted(per_day.items()):
            session.add(quota.QuotaUsage(account_id=account_id, day=day,
                                         used=used + quota.used_on(session, account_id, day)))
    return {"accounts": loaded, "mails": mails, "events": events}


def _events(emitter: Emitter, blocked: dict[str, int], rng: random.Random, fake: Faker, mail: Mail,
            message_id: str, at: datetime, now: datetime) -> int:
    """request, then an outcome; delivered mails may be opened, clicked, unsubscribed, reported.

    Events go through the event pipeline (status, suppression lists, webhooks), each at its own time.
    """
    log = []
    if now - at <= timedelta(minutes=5):
        pass  # still on its way
    elif mail.recipient_key in blocked:
        log.append(("invalid", blocked[mail.recipient_key], None, at + timedelta(seconds=1)))
    else:
        roll, total = rng.uniform(0, sum(w for w, _, _ in OUTCOMES)), 0
        for weight, event, sub_stats in OUTCOMES:
            total += weight
            if roll <= total:
                break
        moment = at + timedelta(seconds=rng.uniform(1, 120))
        log.append((event, rng.choice(sub_stats) if sub_stats else None, None, moment))
        if event == "deliver":
            if rng.random() < 0.4:
                moment += timedelta(minutes=rng.uniform(1, 600))
                log.append(("open", None, None, moment))
                if rng.random() < 0.35:
                    moment += timedelta(seconds=rng.uniform(5, 300))
                    log.append(("click", None, f"https://{mail.from_address.split('@')[1]}/", moment))
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
