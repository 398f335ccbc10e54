"""What the demo's mails say: one scenario per kind of mail a shop sends, in Chinese and English.

Each scenario has its label, its template (invokeName, review state) and its subject, HTML and plain
text with %var% placeholders, and makes the variables of one mail from the recipient and the send
time. `demo.py` renders them per recipient, as a template send would.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .domain import template

LANGS = ("zh", "en")

PRODUCTS = {
    "zh": ["无线降噪耳机", "智能手表", "机械键盘", "保温杯", "空气净化器", "运动跑鞋", "电动牙刷", "双肩背包"],
    "en": ["Noise-cancelling headphones", "Smart watch", "Mechanical keyboard", "Insulated bottle",
           "Air purifier", "Running shoes", "Electric toothbrush", "Travel backpack"],
}
PRICES = [59, 89, 129, 199, 299, 459, 699, 1299]
CARRIERS = {"zh": ["顺丰速运", "中通快递", "京东物流", "圆通速递"], "en": ["UPS", "FedEx", "DHL", "USPS"]}
HEADLINES = {
    "zh": ["秋冬新品上架，会员专享九折", "五个让通勤更轻松的小物件", "本月热销榜：用户最爱的十件好物",
           "如何挑选一副适合你的耳机", "会员积分规则更新说明"],
    "en": ["New autumn arrivals, 10% off for members", "Five small things that make commuting easier",
           "This month's best sellers", "How to choose headphones that fit you", "Changes to member points"],
}
EVENTS = {
    "zh": [("2026 新品发布会", "国际会展中心 B 馆"), ("会员线下体验日", "旗舰店三楼"), ("年度用户大会", "万豪酒店宴会厅")],
    "en": [("2026 product launch", "Convention Center, Hall B"), ("Members' open day", "Flagship store, 3rd floor"),
           ("Annual customer conference", "Marriott ballroom")],
}
LEVELS = {"zh": ["普通会员", "银卡会员", "金卡会员"], "en": ["Member", "Silver", "Gold"]}


@dataclass(frozen=True)
class Scenario:
    key: str  # the template's invokeName
    batch: bool  # sent by the batch API_USER (marketing) or the trigger one (transactional)
    weight: int  # how often it is sent among scenarios of its kind
    stat: int  # the template's review state; only approved templates are sent as templates
    label: dict[str, str]
    subject: dict[str, str]
    body: dict[str, str]  # HTML of the message part (the layout adds header and footer)
    plain: dict[str, str]


def _money(lang: str, amount: float) -> str:
    return f"¥{amount:,.2f}" if lang == "zh" else f"${amount / 7:,.2f}"


def _day(lang: str, moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日" if lang == "zh" else moment.strftime("%B %-d, %Y")


def variables(scenario: Scenario, lang: str, rng: random.Random, person: dict, company: str, site: str,
              at: datetime) -> dict[str, str]:
    """The %var% values of one mail of `scenario` to `person`, sent at `at` (local time)."""
    found = {"name": person["name"], "company": company, "site": f"https://www.{site}.com"}
    key = scenario.key
    if key == "verify_code":
        found.update(code=f"{rng.randint(0, 999999):06d}", minutes="10")
    elif key == "password_reset":
        token = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(24))
        found.update(link=f"https://www.{site}.com/reset?token={token}", minutes="30")
    elif key in ("order_confirmation", "order_shipped"):
        index, quantity = rng.randrange(len(PRODUCTS[lang])), rng.choice([1, 1, 1, 2, 3])
        found.update(order=f"SO{at:%Y%m%d}{rng.randint(1000, 9999)}", product=PRODUCTS[lang][index],
                     quantity=str(quantity), amount=_money(lang, PRICES[index] * quantity),
                     address=person["address"])
        if key == "order_shipped":
            found.update(carrier=rng.choice(CARRIERS[lang]), tracking=f"{rng.randint(10**11, 10**12 - 1)}",
                         arrival=_day(lang, at + timedelta(days=rng.randint(1, 4))))
    elif key == "invoice":
        month = (at.replace(day=1) - timedelta(days=1))
        found.update(invoice=f"INV-{at:%Y%m}-{rng.randint(10000, 99999)}",
                     period=f"{month.year}年{month.month}月" if lang == "zh" else month.strftime("%B %Y"),
                     amount=_money(lang, rng.choice([99, 199, 499, 999]) + rng.choice([0, 0.5, 0.9])),
                     due=_day(lang, at + timedelta(days=15)))
    elif key == "newsletter":
        found.update(issue=str(at.isocalendar().week), headline=rng.choice(HEADLINES[lang]), city=person["city"])
    elif key == "event_invitation":
        title, venue = rng.choice(EVENTS[lang])
        found.update(event=title, venue=f"{person['city']} · {venue}" if lang == "zh" else f"{venue}, {person['city']}",
                     date=_day(lang, at + timedelta(days=rng.randint(10, 30))),
                     rsvp=f"https://www.{site}.com/events/rsvp?code={rng.randint(100000, 999999)}")
    elif key == "promotion":
        found.update(discount=rng.choice(["8", "7.5", "5"]) if lang == "zh" else rng.choice(["20", "25", "50"]),
                     coupon=f"SALE{rng.randint(1000, 9999)}", until=_day(lang, at + timedelta(days=7)))
    return found


def render(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"%{name}%", value)
    return text


def html(scenario: Scenario, lang: str) -> str:
    """The whole HTML template: the company's header, the scenario's body, a footer (an unsubscribe
    link for marketing mail)."""
    if lang == "zh":
        footer = ("此邮件由系统自动发送，请勿直接回复。" if not scenario.batch else
                  '您收到此邮件是因为您订阅了 %company% 的会员通讯。<a href="%site%/unsubscribe">退订</a>')
    else:
        footer = ("This mail was sent automatically; please do not reply." if not scenario.batch else
                  'You get this mail because you subscribed to %company% news. <a href="%site%/unsubscribe">Unsubscribe</a>')
    return ('<!doctype html><html><body style="margin:0;background:#f4f5f7;font-family:Arial,\'PingFang SC\','
            '\'Microsoft YaHei\',sans-serif;color:#222">'
            '<div style="max-width:600px;margin:0 auto;background:#fff">'
            '<div style="padding:18px 28px;background:#1f3b63;color:#fff;font-size:18px;font-weight:bold">%company%</div>'
            f'<div style="padding:24px 28px;line-height:1.7;font-size:14px">{scenario.body[lang]}</div>'
            f'<div style="padding:14px 28px;color:#888;font-size:12px;border-top:1px solid #eee">{footer}</div>'
            '</div></body></html>')


def plain(scenario: Scenario, lang: str) -> str:
    closing = "\n\n— %company%" if lang == "zh" else "\n\n— %company%"
    return scenario.plain[lang] + closing


def _button(text: str, href: str) -> str:
    return (f'<p><a href="{href}" style="display:inline-block;padding:10px 20px;background:#1f6feb;color:#fff;'
            f'text-decoration:none;border-radius:4px">{text}</a></p>')


SCENARIOS = [
    Scenario("verify_code", False, 20, template.NOT_SUBMITTED,
             {"zh": "注册验证", "en": "Sign-up verification"},
             {"zh": "【%company%】您的注册验证码：%code%", "en": "Your %company% verification code: %code%"},
             {"zh": "<p>%name%，您好：</p><p>您正在注册 %company% 账号，验证码为：</p>"
                    '<p style="font-size:28px;letter-spacing:6px;font-weight:bold">%code%</p>'
                    "<p>验证码 %minutes% 分钟内有效。如非本人操作，请忽略此邮件。</p>",
              "en": "<p>Hi %name%,</p><p>Use this code to finish signing up for %company%:</p>"
                    '<p style="font-size:28px;letter-spacing:6px;font-weight:bold">%code%</p>'
                    "<p>The code is valid for %minutes% minutes. If this wasn't you, ignore this mail.</p>"},
             {"zh": "%name%，您好：\n\n您正在注册 %company% 账号，验证码为：%code%\n验证码 %minutes% 分钟内有效。"
                    "如非本人操作，请忽略此邮件。",
              "en": "Hi %name%,\n\nUse this code to finish signing up for %company%: %code%\n"
                    "The code is valid for %minutes% minutes. If this wasn't you, ignore this mail."}),
    Scenario("password_reset", False, 10, template.APPROVED,
             {"zh": "密码重置", "en": "Password reset"},
             {"zh": "重置您的 %company% 账号密码", "en": "Reset your %company% password"},
             {"zh": "<p>%name%，您好：</p><p>我们收到了重置您账号密码的请求。请点击下方按钮设置新密码：</p>"
                    + _button("重置密码", "%link%") + "<p>链接 %minutes% 分钟内有效。如果您没有申请重置，请忽略此邮件，"
                    "您的密码不会改变。</p>",
              "en": "<p>Hi %name%,</p><p>We received a request to reset your password. Choose a new one here:</p>"
                    + _button("Reset password", "%link%") + "<p>The link expires in %minutes% minutes. If you didn't "
                    "ask for this, ignore this mail: your password stays the same.</p>"},
             {"zh": "%name%，您好：\n\n我们收到了重置您账号密码的请求。请打开以下链接设置新密码：\n%link%\n\n"
                    "链接 %minutes% 分钟内有效。如果您没有申请重置，请忽略此邮件。",
              "en": "Hi %name%,\n\nWe received a request to reset your password. Choose a new one here:\n%link%\n\n"
                    "The link expires in %minutes% minutes. If you didn't ask for this, ignore this mail."}),
    Scenario("order_confirmation", False, 30, template.APPROVED,
             {"zh": "订单确认", "en": "Order confirmation"},
             {"zh": "订单 %order% 已确认", "en": "Order %order% confirmed"},
             {"zh": "<p>%name%，您好：</p><p>感谢您的购买！我们已收到您的订单，正在为您备货。</p>"
                    '<table style="border-collapse:collapse;width:100%">'
                    "<tr><td>订单号</td><td><b>%order%</b></td></tr><tr><td>商品</td><td>%product% × %quantity%</td></tr>"
                    "<tr><td>实付金额</td><td>%amount%</td></tr><tr><td>收货地址</td><td>%address%</td></tr></table>"
                    + _button("查看订单", "%site%/orders/%order%"),
              "en": "<p>Hi %name%,</p><p>Thank you for your order! We have received it and are getting it ready.</p>"
                    '<table style="border-collapse:collapse;width:100%">'
                    "<tr><td>Order</td><td><b>%order%</b></td></tr><tr><td>Item</td><td>%product% × %quantity%</td></tr>"
                    "<tr><td>Total</td><td>%amount%</td></tr><tr><td>Ship to</td><td>%address%</td></tr></table>"
                    + _button("View your order", "%site%/orders/%order%")},
             {"zh": "%name%，您好：\n\n感谢您的购买！我们已收到您的订单。\n\n订单号：%order%\n商品：%product% × %quantity%\n"
                    "实付金额：%amount%\n收货地址：%address%\n\n查看订单：%site%/orders/%order%",
              "en": "Hi %name%,\n\nThank you for your order! We have received it.\n\nOrder: %order%\n"
                    "Item: %product% × %quantity%\nTotal: %amount%\nShip to: %address%\n\n"
                    "View your order: %site%/orders/%order%"}),
    Scenario("order_shipped", False, 25, template.APPROVED,
             {"zh": "发货通知", "en": "Shipping notice"},
             {"zh": "您的订单 %order% 已发货", "en": "Your order %order% has shipped"},
             {"zh": "<p>%name%，您好：</p><p>您购买的 <b>%product%</b> 已由 %carrier% 发出，预计 %arrival% 送达。</p>"
                    "<p>运单号：<b>%tracking%</b><br>收货地址：%address%</p>"
                    + _button("查看物流", "%site%/orders/%order%/tracking"),
              "en": "<p>Hi %name%,</p><p>Your <b>%product%</b> is on its way with %carrier% and should arrive by "
                    "%arrival%.</p><p>Tracking number: <b>%tracking%</b><br>Ship to: %address%</p>"
                    + _button("Track your parcel", "%site%/orders/%order%/tracking")},
             {"zh": "%name%，您好：\n\n您购买的 %product% 已由 %carrier% 发出，预计 %arrival% 送达。\n运单号：%tracking%\n"
                    "收货地址：%address%\n\n查看物流：%site%/orders/%order%/tracking",
              "en": "Hi %name%,\n\nYour %product% is on its way with %carrier% and should arrive by %arrival%.\n"
                    "Tracking number: %tracking%\nShip to: %address%\n\nTrack it: %site%/orders/%order%/tracking"}),
    Scenario("invoice", False, 15, template.APPROVED,
             {"zh": "账单发票", "en": "Invoices"},
             {"zh": "%company% %period%账单（%invoice%）", "en": "Your %company% invoice for %period% (%invoice%)"},
             {"zh": "<p>%name%，您好：</p><p>您 %period% 的账单已生成：</p>"
                    "<p>账单号：%invoice%<br>应付金额：<b>%amount%</b><br>付款截止日期：%due%</p>"
                    + _button("查看并付款", "%site%/billing/%invoice%") + "<p>电子发票已附在账单页面，可随时下载。</p>",
              "en": "<p>Hi %name%,</p><p>Your invoice for %period% is ready:</p>"
                    "<p>Invoice: %invoice%<br>Amount due: <b>%amount%</b><br>Due date: %due%</p>"
                    + _button("View and pay", "%site%/billing/%invoice%") + "<p>The PDF is on the invoice page.</p>"},
             {"zh": "%name%，您好：\n\n您 %period% 的账单已生成。\n账单号：%invoice%\n应付金额：%amount%\n付款截止日期：%due%\n\n"
                    "查看并付款：%site%/billing/%invoice%",
              "en": "Hi %name%,\n\nYour invoice for %period% is ready.\nInvoice: %invoice%\nAmount due: %amount%\n"
                    "Due date: %due%\n\nView and pay: %site%/billing/%invoice%"}),
    Scenario("newsletter", True, 50, template.APPROVED,
             {"zh": "会员周报", "en": "Newsletter"},
             {"zh": "%company% 会员周报第 %issue% 期：%headline%", "en": "%company% weekly #%issue%: %headline%"},
             {"zh": "<p>%name%，您好：</p><h2 style=\"font-size:18px\">%headline%</h2>"
                    "<p>本周我们为 %city% 的会员准备了精选好物和专属优惠，点击下方按钮了解详情。</p>"
                    + _button("阅读全文", "%site%/news/%issue%"),
              "en": "<p>Hi %name%,</p><h2 style=\"font-size:18px\">%headline%</h2>"
                    "<p>This week we picked new arrivals and member offers for you in %city%.</p>"
                    + _button("Read more", "%site%/news/%issue%")},
             {"zh": "%name%，您好：\n\n%headline%\n\n本周我们为 %city% 的会员准备了精选好物和专属优惠。\n阅读全文：%site%/news/%issue%",
              "en": "Hi %name%,\n\n%headline%\n\nThis week we picked new arrivals and member offers for you in %city%.\n"
                    "Read more: %site%/news/%issue%"}),
    Scenario("event_invitation", True, 25, template.PENDING,
             {"zh": "活动邀请", "en": "Event invitations"},
             {"zh": "诚邀您参加%event%（%date%）", "en": "You're invited: %event% on %date%"},
             {"zh": "<p>%name%，您好：</p><p>%company% 诚挚邀请您参加 <b>%event%</b>。</p>"
                    "<p>时间：%date% 14:00<br>地点：%venue%</p>" + _button("报名参加", "%rsvp%"),
              "en": "<p>Hi %name%,</p><p>%company% would be glad to see you at <b>%event%</b>.</p>"
                    "<p>When: %date%, 2 pm<br>Where: %venue%</p>" + _button("Save your seat", "%rsvp%")},
             {"zh": "%name%，您好：\n\n%company% 诚挚邀请您参加 %event%。\n时间：%date% 14:00\n地点：%venue%\n报名：%rsvp%",
              "en": "Hi %name%,\n\n%company% would be glad to see you at %event%.\nWhen: %date%, 2 pm\n"
                    "Where: %venue%\nSave your seat: %rsvp%"}),
    Scenario("promotion", True, 25, template.REJECTED,
             {"zh": "营销活动", "en": "Promotions"},
             {"zh": "限时 %discount% 折，优惠码 %coupon%", "en": "%discount%% off until %until%: code %coupon%"},
             {"zh": "<p>%name%，您好：</p><p>即日起至 %until%，全场商品 <b>%discount% 折</b>。</p>"
                    "<p>结算时输入优惠码 <b>%coupon%</b> 即可使用。</p>" + _button("立即选购", "%site%/sale"),
              "en": "<p>Hi %name%,</p><p>Until %until%, everything is <b>%discount%% off</b>.</p>"
                    "<p>Enter code <b>%coupon%</b> at checkout.</p>" + _button("Shop now", "%site%/sale")},
             {"zh": "%name%，您好：\n\n即日起至 %until%，全场商品 %discount% 折。结算时输入优惠码 %coupon% 即可使用。\n"
                    "立即选购：%site%/sale",
              "en": "Hi %name%,\n\nUntil %until%, everything is %discount%% off. Enter code %coupon% at checkout.\n"
                    "Shop now: %site%/sale"}),
]

# The two address lists of every demo account: (alias, name, description, member level choices).
ADDRESS_LISTS = [
    ("newsletter", {"zh": "会员通讯订阅者", "en": "Newsletter subscribers"},
     {"zh": "订阅每周会员通讯的用户", "en": "Customers who get the weekly newsletter"}, (0, 1, 2)),
    ("vip", {"zh": "VIP 客户", "en": "VIP customers"},
     {"zh": "近一年消费满 5000 元的金卡会员", "en": "Gold members who spent over $700 in the past year"}, (2,)),
]
