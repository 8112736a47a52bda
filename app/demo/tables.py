"""The demo's data tables: sizes and shares, the product catalogue, countries with their
cities, names and phone shapes, the warehouses and carriers; plain data and pure helpers."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from app.gtin import gtin_check_digit, gtin_valid

HISTORY_DAYS = 182
CURRENCY = "EUR"
PROBLEM_SHARE = 0.09
ORDERS_PER_BATCH = 5000
MIN_CUSTOMERS = 2000

# Each problem order has exactly one of these; the text says how to recognise it.
PROBLEM_KINDS: dict[str, str] = {
    "missing_phone": "neither the customer nor the ship-to has a phone number",
    "customer_arrears": "the customer's account is in arrears",
    "customer_frozen": "the customer's account is frozen",
    "customer_banned": "the customer's account is banned",
    "price_off_list": "one line's unit price differs from the product's list price",
    "card_expired": "a shop order paid by a card that expired before the order (payment pending)",
    "duplicate": (
        "same customer, channel, items and ship-to as the order just before it, "
        "received minutes later under another channel order id"
    ),
    "unknown_sku": "one line's SKU is not in the catalogue (its product_id is NULL)",
    "incomplete_address": "the ship-to has no street line, no postal code or no city",
}


# --------------------------------------------------------------------------- pure helpers


def ean13_check_digit(first_twelve: str) -> int:
    """GS1 check digit of an EAN-13 body (the project's one GTIN check, app/gtin.py)."""
    if len(first_twelve) != 12 or not first_twelve.isdigit():
        raise ValueError(f"need 12 digits, got {first_twelve!r}")
    return gtin_check_digit(first_twelve)


def is_valid_ean13(code: str) -> bool:
    return len(code) == 13 and gtin_valid(code)


def creditor_reference(payload: str) -> str:
    """ISO 11649 ``RF`` reference a customer quotes on a bank transfer (``RF47SO000123``)."""
    digits = "".join(str(int(char, 36)) for char in payload.upper() + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{payload.upper()}"


def readable_password(groups: int = 3, group_length: int = 5) -> str:
    """``kq7mx-4tp9h-wz3ra``: no look-alike characters, easy to read out and type."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join(
        "".join(secrets.choice(alphabet) for _ in range(group_length)) for _ in range(groups)
    )


def ascii_fold(text_: str) -> str:
    """``"Müller"`` → ``"mueller"``: a name as it appears in an e-mail address."""
    german = text_.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    folded = unicodedata.normalize("NFKD", german).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in folded.lower() if char.isalnum())


# --------------------------------------------------------------------------- the catalogue

_COLOURS = ("white", "black", "sage green", "slate grey", "terracotta", "navy blue")
_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
_SHOE_SIZES = ("EU 37", "EU 39", "EU 41", "EU 43", "EU 45")


@dataclass(frozen=True)
class _ProductKind:
    noun: str
    spec: str
    price_cents: tuple[int, int]
    weight_g: tuple[int, int]
    fragile: bool = False
    variants: tuple[str, ...] = _COLOURS


@dataclass(frozen=True)
class _Category:
    name: str
    code: str
    count: int
    brands: tuple[str, ...]
    kinds: tuple[_ProductKind, ...]


K = _ProductKind
# fmt: off
_CATEGORIES: tuple[_Category, ...] = (
    _Category("kitchen", "KIT", 70, ("Nordhaus", "Kestrel", "Casa Viva"), (
        K("Borosilicate glass teapot", "1.2 L", (1990, 3490), (550, 750), fragile=True),
        K("Ceramic coffee mug", "350 ml", (890, 1690), (300, 380), fragile=True),
        K("Stoneware dinner plates", "set of 6, 27 cm", (3990, 6990), (3200, 4200), fragile=True),
        K("Crystal wine glasses", "set of 4, 450 ml", (2490, 4990), (900, 1300), fragile=True),
        K("Cast iron skillet", "26 cm", (3490, 6990), (2600, 3100)),
        K("Stainless steel saucepan", "18 cm, 1.9 L", (2990, 5490), (900, 1200)),
        K("Chef's knife", "20 cm blade", (3990, 12990), (180, 260)),
        K("Bamboo cutting board", "40 x 28 cm", (1490, 2990), (900, 1400)),
        K("Porcelain espresso cups", "set of 2, 80 ml", (1290, 2490), (350, 450), fragile=True),
        K("Glass storage jars", "3 x 1 L", (1990, 3290), (1500, 1900), fragile=True),
        K("Non-stick frying pan", "28 cm", (2490, 5990), (1000, 1400)),
        K("French press", "1 L, glass", (1990, 3990), (600, 800), fragile=True),
    )),
    _Category("electronics", "ELE", 60, ("Lumio", "Voltaris", "Sonique"), (
        K("Wireless noise-cancelling headphones", "over-ear, 30 h", (14900, 34900), (250, 320)),
        K("Bluetooth speaker", "20 W, waterproof", (3990, 12900), (500, 900)),
        K("27-inch 4K monitor", "IPS, USB-C", (29900, 54900), (5200, 6800), fragile=True),
        K("Mechanical keyboard", "tenkeyless", (7900, 16900), (700, 1000)),
        K("Wireless mouse", "silent clicks", (1990, 5990), (80, 120)),
        K("USB-C charger", "65 W, GaN", (2990, 4990), (110, 160), variants=("EU plug", "UK plug")),
        K("Smartwatch", "GPS, 44 mm", (14900, 39900), (60, 90)),
        K("Action camera", "4K, 60 fps", (19900, 39900), (150, 220)),
        K("E-book reader", "7-inch, 32 GB", (9900, 24900), (190, 240)),
        K("Noise-cancelling earbuds", "wireless charging case", (7900, 27900), (50, 70)),
        K("Portable SSD", "USB-C", (8900, 15900), (50, 80), variants=("1 TB", "2 TB")),
        K("Tablet", "10.9-inch", (32900, 69900), (470, 520), fragile=True,
          variants=("64 GB", "256 GB")),
        K("Camera drone", "4K, 3-axis gimbal", (44900, 89900), (900, 1300)),
        K("Power bank", "20000 mAh", (2990, 5990), (350, 450)),
    )),
    _Category("toys", "TOY", 50, ("Tumbletree", "Kobold", "Starling"), (
        K("Wooden train set", "42 pieces", (2990, 5990), (1400, 2200)),
        K("Building blocks", "500 pieces", (2490, 5990), (900, 1500)),
        K("Plush bear", "35 cm", (1490, 2990), (250, 400)),
        K("Jigsaw puzzle", "1000 pieces", (1290, 2490), (600, 800), variants=("", )),
        K("Remote-control car", "1:16, 2.4 GHz", (3490, 7990), (800, 1200)),
        K("Doll's house", "3 floors, wood", (7990, 14990), (5500, 8000)),
        K("Family board game", "2-6 players", (2490, 4490), (1000, 1500), variants=("",)),
        K("Marble run", "120 pieces", (2990, 5490), (1300, 1900)),
        K("Science kit", "crystal growing", (1990, 3490), (700, 1000), variants=("",)),
        K("Stunt kite", "140 cm", (2490, 4990), (300, 450)),
    )),
    _Category("books", "BOK", 50, ("Harbour Press", "Lindqvist", "Blue Door Books"), ()),
    _Category("garden", "GAR", 40, ("Greenfold", "Hortus", "Verdana"), (
        K("Garden hose", "25 m, with spray gun", (2990, 5990), (2500, 3500)),
        K("Pruning shears", "bypass, 20 cm", (1990, 4990), (200, 300)),
        K("Terracotta plant pot", "30 cm", (1490, 3490), (2500, 3800), fragile=True),
        K("Solar path lights", "set of 6", (2490, 4490), (900, 1300)),
        K("Bird feeder", "hanging, metal", (1490, 2990), (500, 800)),
        K("Raised garden bed", "120 x 60 cm, larch", (6990, 12990), (12000, 16000)),
        K("Watering can", "10 L", (1290, 2990), (700, 1000)),
        K("Cordless hedge trimmer", "18 V, 50 cm", (9900, 17900), (2600, 3200)),
    )),
    _Category("apparel", "APP", 60, ("Fjordline", "Maison Ardent", "Cobalt & Co"), (
        K("Merino wool jumper", "crew neck", (6990, 12990), (350, 450), variants=_SIZES),
        K("Organic cotton T-shirt", "regular fit", (1990, 3490), (180, 220), variants=_SIZES),
        K("Rain jacket", "waterproof, packable", (7990, 15990), (400, 550), variants=_SIZES),
        K("Slim-fit jeans", "stretch denim", (4990, 8990), (600, 750), variants=_SIZES),
        K("Running shoes", "neutral cushioning", (8990, 14990), (600, 800),
          variants=_SHOE_SIZES),
        K("Linen shirt", "long sleeve", (4990, 7990), (250, 320), variants=_SIZES),
        K("Down vest", "lightweight", (8990, 14990), (300, 400), variants=_SIZES),
        K("Wool socks", "3 pairs", (1490, 2490), (150, 200), variants=_SHOE_SIZES),
    )),
    _Category("beauty", "BEA", 40, ("Aurelle", "Solène", "Kiri"), (
        K("Vitamin C serum", "30 ml, glass dropper", (1990, 4490), (120, 160), fragile=True,
          variants=("",)),
        K("Eau de parfum", "50 ml", (4990, 11990), (300, 420), fragile=True,
          variants=("citrus", "amber", "vetiver", "rose")),
        K("Hair dryer", "2000 W, ionic", (3990, 12990), (600, 800)),
        K("Electric toothbrush", "sonic, 2 heads", (3990, 9990), (300, 400)),
        K("Shea butter hand cream", "75 ml", (790, 1490), (90, 110),
          variants=("lavender", "unscented", "citrus")),
        K("Gentle facial cleanser", "150 ml", (990, 2290), (180, 220), variants=("",)),
        K("Beard trimmer", "cordless, 20 settings", (3490, 7990), (250, 350)),
    )),
    _Category("home", "HOM", 30, ("Nordhaus", "Linnea", "Atelier Bleu"), (
        K("Scented candle", "glass jar, 40 h", (1490, 2990), (400, 550), fragile=True,
          variants=("fig", "cedar", "sea salt", "vanilla")),
        K("Linen duvet cover", "200 x 200 cm", (5990, 11990), (1100, 1500)),
        K("Ceramic table lamp", "E27, 45 cm", (4990, 9990), (2200, 3000), fragile=True),
        K("Wall clock", "silent, 30 cm", (2490, 4990), (600, 900)),
        K("Cotton bath towels", "set of 4", (2990, 5490), (1800, 2300)),
        K("Glass vase", "hand-blown, 25 cm", (2490, 5990), (900, 1300), fragile=True),
        K("Knitted throw blanket", "130 x 170 cm", (3990, 7990), (1000, 1400)),
    )),
    _Category("sports", "SPO", 30, ("Peakform", "Strider", "Alto"), (
        K("Yoga mat", "6 mm, non-slip", (2490, 5990), (1000, 1500)),
        K("Adjustable dumbbells", "2 x 12 kg", (9900, 19900), (24500, 25500), variants=("",)),
        K("Insulated water bottle", "750 ml", (1990, 3490), (350, 420)),
        K("Resistance bands", "set of 5", (1490, 2990), (300, 400), variants=("",)),
        K("Cycling helmet", "MIPS", (4990, 11990), (280, 350), variants=("S/M", "M/L")),
        K("Tennis racket", "300 g, strung", (5990, 17990), (300, 340), variants=("L2", "L3")),
        K("Football", "size 5", (1990, 4490), (410, 450), variants=("",)),
        K("Camping stove", "gas, piezo ignition", (2990, 6990), (300, 450), variants=("",)),
    )),
)
del K
# fmt: on

_BOOK_TITLE_WORDS = (
    ("Silent", "Northern", "Hidden", "Last", "Golden", "Winter", "Quiet", "Salt", "Paper"),
    ("Harbour", "Orchard", "Letters", "River", "Lighthouse", "Station", "Summer", "Atlas"),
)
_BOOK_NONFICTION = (
    "Everyday Baking",
    "A Short History of Tea",
    "The Joy of Fermentation",
    "Cycling the Alps",
    "Mindful Gardening",
    "Coding for Curious Kids",
    "The Atlas of Small Islands",
    "Bread and Salt",
    "Walking Berlin",
    "The Patient Gardener",
    "Fifty Soups",
)
_BOOK_FORMATS = (("Paperback", (1099, 1999), (250, 450)), ("Hardcover", (1999, 3499), (500, 950)))

# Orders waiting for review only take products with at least this many units on hand.
WELL_STOCKED_UNITS = 40

# High value: flagged on pick lists and shipped with signature.
HIGH_VALUE_ELECTRONICS_CENTS = 25_000
HIGH_VALUE_ANY_CENTS = 40_000

# GS1 Germany company prefix for the demo seller; books use German-language ISBNs.
_EAN_COMPANY_PREFIX = "4262874"
_ISBN_PREFIX = "9783"


# --------------------------------------------------------------------------- places and people


@dataclass(frozen=True)
class _City:
    name: str
    region: str
    postal_codes: tuple[str, ...]
    area: str = ""  # phone area code where the country uses one per city


@dataclass(frozen=True)
class _Country:
    code: str
    weight: int
    language: str
    cities: tuple[_City, ...]
    streets: tuple[str, ...]
    given_names: tuple[tuple[str, str], ...]  # (as written, as in an e-mail address)
    family_names: tuple[tuple[str, str], ...]
    vat_percent: int
    partners: tuple[str, ...]
    shops: tuple[str, ...] = ()


def _latin(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, ascii_fold(name)) for name in names)


def _paired(pairs: str) -> tuple[tuple[str, str], ...]:
    """``"王:wang 李:li"`` → ``(("王", "wang"), ("李", "li"))``."""
    return tuple(tuple(item.split(":")) for item in pairs.split())  # type: ignore[misc]


C = _City
# fmt: off
_COUNTRIES: tuple[_Country, ...] = (
    _Country(
        "DE", 28, "de",
        (
            C("Berlin", "Berlin", ("10115", "10178", "10245", "10405", "10557", "12043", "13347")),
            C("Hamburg", "Hamburg", ("20095", "20144", "20249", "22765", "22303")),
            C("München", "Bayern", ("80331", "80469", "80636", "81369", "81675")),
            C("Köln", "Nordrhein-Westfalen", ("50667", "50674", "50823", "50937")),
            C("Frankfurt am Main", "Hessen", ("60311", "60316", "60486", "60594")),
            C("Leipzig", "Sachsen", ("04103", "04107", "04229", "04277")),
            C("Stuttgart", "Baden-Württemberg", ("70173", "70176", "70190", "70372")),
        ),
        ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße",
         "Lindenallee", "Berliner Straße", "Kastanienallee", "Am Markt", "Bergstraße"),
        _latin("Anna", "Lukas", "Sophie", "Leon", "Marie", "Jonas", "Lea", "Finn", "Laura",
               "Felix", "Hannah", "Paul", "Julia", "Maximilian", "Katharina", "Jürgen"),
        _latin("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
               "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder"),
        19, ("otto", "ebay"), ("BER", "HAM", "MUC"),
    ),
    _Country(
        "GB", 14, "en",
        (
            C("London", "Greater London", ("SW1A", "EC1A", "N1", "E2", "SE1", "W1D", "NW3")),
            C("Manchester", "Greater Manchester", ("M1", "M4", "M14", "M20")),
            C("Birmingham", "West Midlands", ("B1", "B5", "B15")),
            C("Leeds", "West Yorkshire", ("LS1", "LS6", "LS11")),
            C("Edinburgh", "City of Edinburgh", ("EH1", "EH3", "EH8")),
            C("Bristol", "Bristol", ("BS1", "BS6", "BS8")),
        ),
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue",
         "Queen's Road", "Mill Lane", "The Crescent"),
        _latin("Oliver", "Amelia", "George", "Isla", "Harry", "Emily", "Jack", "Olivia",
               "Charlie", "Grace", "Thomas", "Freya", "Arjun", "Aisha"),
        _latin("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
               "Patel", "Wright", "Evans", "Walker", "O'Brien", "Khan"),
        20, ("ebay",), ("LON",),
    ),
    _Country(
        "FR", 11, "fr",
        (
            C("Paris", "Île-de-France", ("75001", "75003", "75008", "75011", "75015", "75018")),
            C("Lyon", "Auvergne-Rhône-Alpes", ("69001", "69002", "69003", "69006", "69007")),
            C("Marseille", "Provence-Alpes-Côte d'Azur", ("13001", "13006", "13008")),
            C("Toulouse", "Occitanie", ("31000", "31200", "31400")),
            C("Bordeaux", "Nouvelle-Aquitaine", ("33000", "33300", "33800")),
            C("Lille", "Hauts-de-France", ("59000", "59800")),
        ),
        ("rue de la République", "avenue Victor Hugo", "boulevard Voltaire", "rue du Moulin",
         "place de la Mairie", "rue Pasteur", "rue des Lilas"),
        _latin("Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Jules", "Inès",
               "Arthur", "Zoé", "Gabriel"),
        _latin("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
               "Durand", "Leroy", "Moreau", "Lefèvre", "Girard"),
        20, ("cdiscount",), ("PAR",),
    ),
    _Country(
        "US", 9, "en",
        (
            C("New York", "NY", ("10001", "10011", "10016", "10025", "10128"), "212"),
            C("Los Angeles", "CA", ("90012", "90026", "90034", "90049"), "213"),
            C("Chicago", "IL", ("60601", "60614", "60622", "60657"), "312"),
            C("Seattle", "WA", ("98101", "98103", "98109", "98122"), "206"),
            C("Austin", "TX", ("78701", "78704", "78723", "78745"), "512"),
            C("Boston", "MA", ("02108", "02116", "02134"), "617"),
        ),
        ("Main St", "Oak Ave", "Maple Dr", "Park Blvd", "Elm St", "Washington Ave", "Cedar Ln"),
        _latin("James", "Mary", "Michael", "Jennifer", "David", "Emily", "Daniel", "Ashley",
               "Christopher", "Jessica", "Carlos", "Mei"),
        _latin("Smith", "Johnson", "Williams", "Garcia", "Miller", "Davis", "Rodriguez",
               "Martinez", "Anderson", "Taylor", "Nguyen", "Kim"),
        0, ("ebay",),
    ),
    _Country(
        "ES", 7, "es",
        (
            C("Madrid", "Comunidad de Madrid", ("28001", "28004", "28010", "28013", "28045")),
            C("Barcelona", "Cataluña", ("08001", "08008", "08012", "08025")),
            C("Valencia", "Comunitat Valenciana", ("46001", "46004", "46022")),
            C("Sevilla", "Andalucía", ("41001", "41003", "41010")),
            C("Bilbao", "País Vasco", ("48001", "48008")),
        ),
        ("Calle Mayor", "Avenida de la Constitución", "Calle de Alcalá", "Paseo de Gracia",
         "Calle Real", "Calle del Sol"),
        _latin("Lucía", "Hugo", "Sofía", "Martín", "María", "Pablo", "Paula", "Alejandro",
               "Carmen", "Javier"),
        _latin("García", "Fernández", "González", "Rodríguez", "López", "Martínez",
               "Sánchez", "Pérez", "Gómez", "Ruiz"),
        21, ("ebay",),
    ),
    _Country(
        "IT", 7, "it",
        (
            C("Roma", "Lazio", ("00118", "00153", "00184", "00197")),
            C("Milano", "Lombardia", ("20121", "20123", "20135", "20144")),
            C("Napoli", "Campania", ("80121", "80132", "80138")),
            C("Torino", "Piemonte", ("10121", "10128", "10138")),
            C("Bologna", "Emilia-Romagna", ("40121", "40125", "40137")),
            C("Firenze", "Toscana", ("50121", "50123", "50129")),
        ),
        ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Piazza del Duomo",
         "Via Mazzini"),
        _latin("Giulia", "Francesco", "Sofia", "Alessandro", "Aurora", "Lorenzo", "Chiara",
               "Matteo", "Martina", "Niccolò"),
        _latin("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
               "Ricci", "Marino", "Greco"),
        22, ("ebay",),
    ),
    # China: province (region), city, district as line 3, street + number, building + room.
    _Country(
        "CN", 16, "zh_CN",
        (
            C("北京市", "北京市", ("朝阳区:100020", "海淀区:100080", "东城区:100010")),
            C("上海市", "上海市", ("浦东新区:200120", "徐汇区:200030", "静安区:200040")),
            C("深圳市", "广东省", ("南山区:518057", "福田区:518048", "宝安区:518101")),
            C("广州市", "广东省", ("天河区:510620", "越秀区:510030")),
            C("杭州市", "浙江省", ("西湖区:310012", "滨江区:310051")),
            C("成都市", "四川省", ("武侯区:610041", "锦江区:610021")),
            C("南京市", "江苏省", ("鼓楼区:210008", "玄武区:210018")),
        ),
        ("建国路", "中山路", "人民路", "科技南十二路", "解放路", "南京西路", "天府大道"),
        _paired("伟:wei 娜:na 芳:fang 敏:min 静:jing 磊:lei 强:qiang 洋:yang 艳:yan 杰:jie "
                "婷:ting 浩然:haoran 子涵:zihan 欣怡:xinyi 宇轩:yuxuan 梓萱:zixuan 俊杰:junjie"),
        _paired("王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou "
                "徐:xu 孙:sun 马:ma 朱:zhu 胡:hu 郭:guo"),
        0, ("tmall", "jd"), ("SHA",),
    ),
    _Country(
        "JP", 8, "ja",
        (
            C("千代田区", "東京都", ("丸の内:100-0005", "大手町:100-0004")),
            C("渋谷区", "東京都", ("神宮前:150-0001", "渋谷:150-0002")),
            C("新宿区", "東京都", ("西新宿:160-0023", "新宿:160-0022")),
            C("大阪市北区", "大阪府", ("梅田:530-0001", "中之島:530-0005")),
            C("横浜市西区", "神奈川県", ("みなとみらい:220-0012",)),
            C("福岡市博多区", "福岡県", ("博多駅前:812-0011",)),
            C("札幌市中央区", "北海道", ("大通西:060-0042",)),
        ),
        ("メゾン桜", "グランドハイツ", "パークサイド", "コーポ青葉", ""),
        _paired("健:ken 陽子:yoko 翔太:shota 美咲:misaki 大輔:daisuke さくら:sakura 拓也:takuya "
                "結衣:yui 蓮:ren 陽菜:hina"),
        _paired("佐藤:sato 鈴木:suzuki 高橋:takahashi 田中:tanaka 伊藤:ito 渡辺:watanabe "
                "山本:yamamoto 中村:nakamura 小林:kobayashi 加藤:kato"),
        0, ("rakuten",),
    ),
)
del C
# fmt: on

_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
# The Amazon store a customer of each country buys in (its buyer e-mail proxy's domain).
_AMAZON_DOMAINS = {"DE": "de", "GB": "co.uk", "FR": "fr", "US": "com", "ES": "es", "IT": "it",
                   "CN": "cn", "JP": "co.jp"}  # fmt: skip
# UK mobile ranges that libphonenumber places in GB (not Jersey, Guernsey or Man).
_GB_MOBILE_PREFIXES = ("740", "741", "742", "743", "746", "747", "748", "749", "771", "772",
                       "773", "774", "775", "776")  # fmt: skip
_LINE2_BY_COUNTRY = {
    "DE": ("", "", "", "Hinterhaus", "3. OG links", "c/o Praxis Dr. Weber"),
    "GB": ("", "", "Flat 2", "Flat 5B", "Unit 3"),
    "FR": ("", "", "Bâtiment B", "Appartement 12", "3e étage"),
    "US": ("", "", "Apt 4B", "Suite 210", "Unit 12"),
    "ES": ("", "3º B", "2º izquierda", "Bajo A"),
    "IT": ("", "", "Scala B, interno 4", "Piano 3"),
}


# --------------------------------------------------------------------------- warehouses


@dataclass(frozen=True)
class _WarehouseSpec:
    code: str
    name: str
    country: str
    city: str
    categories: tuple[str, ...]


# fmt: off
_WAREHOUSES: tuple[_WarehouseSpec, ...] = (
    _WarehouseSpec("BER1", "Berlin Central", "DE", "Berlin",
                   ("kitchen", "electronics", "toys", "books", "home", "garden")),
    _WarehouseSpec("MAN1", "Manchester North", "GB", "Manchester",
                   ("apparel", "beauty", "books", "toys", "sports")),
    _WarehouseSpec("LYS1", "Lyon Saint-Priest", "FR", "Saint-Priest",
                   ("garden", "kitchen", "home", "sports", "apparel")),
    _WarehouseSpec("SZX1", "Shenzhen Bao'an", "CN", "深圳市",
                   ("electronics", "toys", "apparel", "beauty")),
)

# Which warehouse ships first to a country (then the next that stocks the category).
_WAREHOUSE_PREFERENCE = {
    "DE": ("BER1", "LYS1", "MAN1", "SZX1"),
    "GB": ("MAN1", "BER1", "LYS1", "SZX1"),
    "FR": ("LYS1", "BER1", "MAN1", "SZX1"),
    "ES": ("LYS1", "BER1", "MAN1", "SZX1"),
    "IT": ("LYS1", "BER1", "MAN1", "SZX1"),
    "US": ("BER1", "MAN1", "LYS1", "SZX1"),
    "CN": ("SZX1", "BER1", "MAN1", "LYS1"),
    "JP": ("SZX1", "BER1", "MAN1", "LYS1"),
}
_BIN_ZONES, _BIN_AISLES, _BIN_SHELVES = "ABCD", 10, 5

# (warehouse country, destination) → carrier and its product per requested service.
_DOMESTIC_CARRIERS = {
    "DE": {"standard": (("DHL", "Paket"), ("DPD", "Classic")),
           "expedited": (("DPD", "Express"),), "next_day": (("DHL", "Express 12"),)},
    "GB": {"standard": (("Royal Mail", "Tracked 48"),),
           "expedited": (("Royal Mail", "Tracked 24"),), "next_day": (("DPD", "Next Day"),)},
    "FR": {"standard": (("Colissimo", "Domicile"),), "expedited": (("Chronopost", "Chrono 13"),),
           "next_day": (("Chronopost", "Chrono 10"),)},
    "CN": {"standard": (("SF Express", "Standard"),), "expedited": (("SF Express", "Express"),),
           "next_day": (("SF Express", "Express"),)},
}
_INTERNATIONAL_CARRIERS = {
    "standard": (("DHL", "Paket International"), ("UPS", "Standard")),
    "expedited": (("UPS", "Express Saver"), ("DHL Express", "Worldwide")),
    "next_day": (("DHL Express", "Worldwide"),),
}
_FROM_CHINA_CARRIERS = {
    "standard": (("SF Express", "International Standard"),),
    "expedited": (("SF Express", "International Express"), ("DHL Express", "Worldwide")),
    "next_day": (("DHL Express", "Worldwide"),),
}
# fmt: on
_PACKAGING_G = 180
