"""Synthetic German customer master and incoming contacts with ground truth (deterministic).

Customers live in households (shared surname, address and landline; twins included); the master
holds duplicates and legacy umlaut spellings. Contacts arrive by channel with the fields that
channel carries (tweet: display name + handle; email: name + address; letter: name + postal
address; call: name + caller id + date of birth; web form: most fields), with nicknames, umlaut
variants, typos, moves, marriage name changes, and ~15% of them from non-customers (half of
those from household members of customers, the hardest case).

Usage: `python bench/identity_data.py --customers 100000 --seed 7` prints a summary.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

MALE = (
    "Thomas Michael Andreas Peter Stefan Klaus Frank Jürgen Wolfgang Christian Markus Uwe "
    "Hans Bernd Ralf Matthias Alexander Martin Jörg Dieter Werner Sebastian Florian Tobias "
    "Daniel Jan Dirk Günter Heinz Manfred Karl Josef Ulrich Bernhard Johannes Maximilian "
    "Lukas Felix Jonas Leon Paul Niklas Björn Sören Holger Rainer Joachim Gerhard Helmut "
    "Friedrich Heinrich Wilhelm Rudolf Siegfried Oliver Benjamin Philipp Nikolaus Anton"
).split()
FEMALE = (
    "Sabine Susanne Petra Andrea Claudia Nicole Stefanie Birgit Monika Katharina Julia "
    "Anna Christina Sandra Martina Gabriele Ursula Renate Karin Brigitte Elisabeth Barbara "
    "Heike Angelika Cornelia Franziska Lena Laura Sarah Lisa Marie Sophie Hannah Lea "
    "Johanna Charlotte Bärbel Helga Ingrid Jutta Kerstin Silke Anja Tanja Melanie Daniela "
    "Manuela Simone Theresia Veronika Margarete Rosemarie Dorothea Eva Magdalena Michaela"
).split()
COMMON_SURNAMES = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann "
    "König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert "
    "Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht "
    "Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto "
    "Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn "
    "Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer"
).split()
PREFIXES = (
    "Kretsch Hoff Bau Stein Wald Fried Ober Unter Lind Rosen Eich Brand Kirch Acker Berg Feld "
    "Hain Hage Kamm Lang Mühl Rott Schwan Tann Wies Bren Dorn Eng Falk Gold Hein Isen Karst "
    "Lüt Mar Nuss Ost Prie Quast Rein Sieg Trau Ul Vier Wend Zell Bött Gräf Hüb Kött Löw Röß "
    "Schütt Wür Ahl Bick Dahl Ebel Fink Gieß Holl Jans Kluß Leh Mett Nolt Opp Pust Rick Sch"
).split()
MIDDLES = "_ _ _ _ e el en er ing ler ner s"
SUFFIXES = (
    "mann er ner berger meier huber hofer bauer schmidt ke ert ling s el inger mayer bach "
    "feld haus kamp mann rich wald stedt dorf brink horst mund hardt bold"
).split()
CITIES = (
    "Berlin:10 Hamburg:20 München:80 Köln:50 Frankfurt am Main:60 Stuttgart:70 Düsseldorf:40 "
    "Leipzig:04 Dortmund:44 Essen:45 Bremen:28 Dresden:01 Hannover:30 Nürnberg:90 Duisburg:47 "
    "Bochum:44 Wuppertal:42 Bielefeld:33 Bonn:53 Münster:48 Mannheim:68 Karlsruhe:76 "
    "Augsburg:86 Wiesbaden:65 Mönchengladbach:41 Gelsenkirchen:45 Aachen:52 Braunschweig:38 "
    "Kiel:24 Chemnitz:09 Halle (Saale):06 Magdeburg:39 Freiburg im Breisgau:79 Krefeld:47 "
    "Mainz:55 Lübeck:23 Erfurt:99 Oberhausen:46 Rostock:18 Kassel:34 Hagen:58 Saarbrücken:66 "
    "Potsdam:14 Ludwigshafen:67 Oldenburg:26 Osnabrück:49 Leverkusen:51 Heidelberg:69 "
    "Darmstadt:64 Regensburg:93 Würzburg:97 Göttingen:37 Ulm:89 Gütersloh:33 Bad Homburg:61 "
    "Passau:94 Trier:54 Jena:07 Konstanz:78 Fulda:36 Siegen:57 Landshut:84 Zwickau:08"
)
STREET_BASES = (
    "Haupt Bahnhof Schiller Goethe Garten Kirch Berg Wald Linden Birken Mühlen Schul Dorf "
    "Friedhof Rosen Blumen Eichen Buchen Tannen Wiesen Feld Sonnen Mozart Beethoven Bach "
    "Lessing Uhland Heine Kant Bismarck Friedrich Wilhelm Luisen Park Markt Brunnen Burg "
    "Schloss Ahorn Kastanien Am Anger Industrie Gewerbe Post Kloster Hoch Tal Brücken Hafen "
    "Jahn Humboldt Körner Schubert Händel Dürer Röntgen Bergmann Weiher Höhen Gärtner Müller"
).split()
STREET_SUFFIXES = ["straße"] * 6 + ["weg", "allee", "gasse", "ring", "platz", "str."]
PROVIDERS = (
    "gmx.de web.de t-online.de gmail.com outlook.de yahoo.de posteo.de freenet.de icloud.com"
).split()
NICKS = {
    "Johannes": ["Hans", "Hannes"], "Stefanie": ["Steffi"], "Katharina": ["Kathi", "Käthe"],
    "Josef": ["Sepp", "Jupp"], "Ulrich": ["Uli"], "Bernhard": ["Bernd"], "Alexander": ["Alex"],
    "Andreas": ["Andi"], "Sebastian": ["Basti"], "Benjamin": ["Benni"], "Christian": ["Chris"],
    "Cornelia": ["Conny"], "Franziska": ["Franzi"], "Gabriele": ["Gabi"], "Angelika": ["Geli"],
    "Gerhard": ["Gerd"], "Brigitte": ["Gitti"], "Margarete": ["Grete"], "Heinrich": ["Heinz"],
    "Nikolaus": ["Klaus"], "Magdalena": ["Lena"], "Elisabeth": ["Lisa", "Sissi"],
    "Charlotte": ["Lotte"], "Maximilian": ["Max"], "Michael": ["Michi", "Micha"],
    "Monika": ["Moni"], "Theresia": ["Resi"], "Rosemarie": ["Rosi"], "Rudolf": ["Rudi"],
    "Susanne": ["Susi", "Sanne"], "Siegfried": ["Sigi"], "Thomas": ["Tom", "Tommi"],
    "Anton": ["Toni"], "Tobias": ["Tobi"], "Ursula": ["Uschi"], "Wolfgang": ["Wolfi"],
    "Wilhelm": ["Willi"], "Florian": ["Flo"], "Manfred": ["Manni"], "Matthias": ["Matze"],
    "Barbara": ["Babsi"], "Dorothea": ["Doro"], "Johanna": ["Hanni"], "Karl": ["Kalle"],
    "Friedrich": ["Fritz"], "Veronika": ["Vroni"], "Daniel": ["Dani"], "Philipp": ["Phil"],
    "Lukas": ["Luki"], "Anna": ["Anni"], "Dieter": ["Didi"], "Joachim": ["Jochen", "Achim"],
}  # fmt: skip
CHANNELS = ("tweet", "email", "letter", "call", "webform")
CHANNEL_SHARES = (0.25, 0.30, 0.15, 0.20, 0.10)
FIELDS = (
    "record_id", "person_id", "given_name", "family_name", "name", "birth_date", "street",
    "house_number", "postcode", "city", "email", "phone", "handle", "customer_number",
    "verified", "channel",
)  # fmt: skip


@dataclass
class Dataset:
    """Master rows and contacts as column dicts (`FIELDS`), plus settings."""

    customers: int
    seed: int
    master: dict[str, list] = field(default_factory=dict)
    contacts: dict[str, list] = field(default_factory=dict)
    seconds: float = 0.0

    def rows(self, table: str) -> Iterator[dict]:
        """Rows of "master" or "contacts" as dicts (streaming, no copy of the columns)."""
        columns = self.master if table == "master" else self.contacts
        names = list(columns)
        for values in zip(*(columns[n] for n in names), strict=True):
            yield dict(zip(names, values, strict=True))


def _zipf_weights(n: int, s: float = 1.0) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _surname_table(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    middles = [m.replace("_", "") for m in MIDDLES.split()]
    tail = sorted({p + m + s for p in PREFIXES for m in middles for s in SUFFIXES})
    tail = [t[0].upper() + t[1:].lower() for t in tail]
    rng.shuffle(tail)
    names = COMMON_SURNAMES + [t for t in tail if t not in COMMON_SURNAMES]
    # Common names: about 25% of people, Müller ~0.9%; the rest a long, flatter tail.
    head = _zipf_weights(len(COMMON_SURNAMES), 0.9) * 0.25
    rest = _zipf_weights(len(names) - len(COMMON_SURNAMES), 0.6) * 0.75
    return names, np.concatenate([head, rest])


def _places(rng: np.random.Generator) -> tuple[list[str], list[str], np.ndarray]:
    postcodes, cities, weights = [], [], []
    seen: set[str] = set()
    for city, prefix in re.findall(r"\s*([^:]+?):(\d\d)", CITIES):
        count = int(rng.integers(5, 40))
        for _ in range(count):
            code = prefix + f"{int(rng.integers(0, 1000)):03d}"
            if code in seen:
                continue
            seen.add(code)
            postcodes.append(code)
            cities.append(city)
            weights.append(float(rng.uniform(0.5, 2.0)))
    w = np.asarray(weights)
    return postcodes, cities, w / w.sum()


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 3:
        return text
    pos = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 4))
    letter = "abcdefghiklmnorstuw"[int(rng.integers(0, 19))]
    if kind == 0:
        return text[:pos] + letter + text[pos + 1 :]
    if kind == 1:
        return text[:pos] + text[pos + 1 :]
    if kind == 2:
        return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
    return text[:pos] + letter + text[pos:]


_UE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_U = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "A", "Ö": "O", "Ü": "U", "ß": "ss"})


def _umlaut_variant(text: str, rng: np.random.Generator, p: float) -> str:
    if not any(ch in text for ch in "äöüÄÖÜß") or rng.random() >= p:
        return text
    return text.translate(_UE if rng.random() < 0.75 else _U)


def _ascii(text: str) -> str:
    return text.translate(_UE).lower()


def generate(customers: int = 100_000, *, seed: int = 7, contacts: int | None = None) -> Dataset:
    """Generate a master of `customers` rows (+2% duplicates) and contacts with ground truth."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    surnames, surname_w = _surname_table(rng)
    postcodes, cities, place_w = _places(rng)
    n_contacts = contacts if contacts is not None else min(max(customers // 5, 1000), 50_000)

    # ---- households (vectorised) --------------------------------------------------------------
    n_households = int(customers / 1.3) + 10
    sizes = rng.choice([1, 2, 3, 4], n_households, p=[0.45, 0.33, 0.12, 0.10])
    hh_of = np.repeat(np.arange(n_households), sizes)
    member = np.concatenate([np.arange(s) for s in sizes])
    n_people = len(hh_of)
    hh_surname = rng.choice(len(surnames), n_households, p=surname_w)
    hh_place = rng.choice(len(postcodes), n_households, p=place_w)
    hh_street = rng.integers(0, len(STREET_BASES) * len(STREET_SUFFIXES), n_households)
    hh_number = rng.integers(1, 160, n_households)
    hh_letter = np.where(rng.random(n_households) < 0.1, rng.integers(0, 4, n_households), -1)
    hh_landline = np.where(
        rng.random(n_households) < 0.6, rng.integers(1_000_000, 9_999_999, n_households), 0
    )
    hh_area = rng.integers(30, 999, n_households)
    head_birth = rng.integers(
        date(1935, 1, 1).toordinal(), date(2000, 12, 31).toordinal(), n_households
    )
    twins = (sizes >= 3) & (rng.random(n_households) < 0.15)

    female = np.where(member == 0, rng.random(n_people) < 0.5, member == 1)
    female = np.where(member >= 2, rng.random(n_people) < 0.5, female)
    given_m = rng.choice(len(MALE), n_people, p=_zipf_weights(len(MALE), 0.7))
    given_f = rng.choice(len(FEMALE), n_people, p=_zipf_weights(len(FEMALE), 0.7))
    own_surname = (member == 1) & (rng.random(n_people) < 0.2)
    surname = np.where(
        own_surname, rng.choice(len(surnames), n_people, p=surname_w), hh_surname[hh_of]
    )
    birth = head_birth[hh_of].copy()
    partner = member == 1
    birth[partner] += rng.integers(-2500, 2500, int(partner.sum()))
    child = member >= 2
    birth[child] += rng.integers(7000, 12000, int(child.sum()))
    # Twins: the last two children share a birthday (and mostly not a given name).
    last_two = child & twins[hh_of] & (member >= sizes[hh_of] - 2)
    first_twin = np.flatnonzero(last_two & (member == sizes[hh_of] - 2))
    birth[first_twin + 1] = birth[first_twin]
    birth = np.minimum(birth, date(2007, 12, 31).toordinal())
    mobile = np.where(
        rng.random(n_people) < 0.65, rng.integers(10_000_000, 99_999_999, n_people), 0
    )
    mobile_prefix = rng.choice(["151", "160", "170", "171", "172", "176", "157"], n_people)

    # Customers: the first member of every household, others with probability 0.4.
    is_customer = (member == 0) | (rng.random(n_people) < 0.4)
    customer_idx = np.flatnonzero(is_customer)[:customers]
    cut = customer_idx[-1] + 1 if len(customer_idx) else 0
    is_customer[cut:] = False
    noncustomer_household = np.flatnonzero(
        ~is_customer[:cut] & np.isin(hh_of[:cut], hh_of[customer_idx])
    )

    def person_given(p: int) -> str:
        return FEMALE[given_f[p]] if female[p] else MALE[given_m[p]]

    def person_street(h: int) -> tuple[str, str]:
        base = STREET_BASES[hh_street[h] % len(STREET_BASES)]
        suffix = STREET_SUFFIXES[hh_street[h] // len(STREET_BASES)]
        street = base + suffix
        number = str(hh_number[h]) + ("abcd"[hh_letter[h]] if hh_letter[h] >= 0 else "")
        return street, number

    def landline(h: int) -> str | None:
        return f"0{hh_area[h]} {hh_landline[h]}" if hh_landline[h] else None

    def mobile_of(p: int) -> str | None:
        return f"0{mobile_prefix[p]} {mobile[p]}" if mobile[p] else None

    emails: dict[tuple[int, int], str] = {}
    taken: set[str] = set()

    def email_of(p: int, given: str, family: str, variant: int) -> str:
        # Addresses belong to one person: a taken address gets a number, as providers demand.
        key = (p, variant)
        if key in emails:
            return emails[key]
        g, f = _ascii(given), _ascii(family).replace(" ", "")
        styles = (f"{g}.{f}", f"{g[0]}{f}", f"{f}.{g}", f"{g}{f}{p % 97}", f"{f}{p % 89}")
        provider = PROVIDERS[(p * 7 + variant) % len(PROVIDERS)]
        local = styles[(p + variant) % len(styles)]
        address, n = f"{local}@{provider}", 1
        while address in taken:
            n += 1
            address = f"{local}{n}@{provider}"
        taken.add(address)
        emails[key] = address
        return address

    handles: dict[tuple[int, int], str] = {}

    def handle_of(p: int, given: str, family: str, variant: int) -> str:
        key = (p, variant)
        if key in handles:
            return handles[key]
        g, f = _ascii(given), _ascii(family)
        styles = (f"{g}_{f}", f"{g[0]}{f}{p % 100}", f"{f}{g}", f"{g}{p % 1000}", f"{f}_{p % 37}")
        base = styles[(p + variant) % len(styles)][:15]
        handle, n = base, 1
        while handle in taken:
            n += 1
            handle = f"{base[:13]}{n}"
        taken.add(handle)
        handles[key] = "@" + handle
        return handles[key]

    has_email = rng.random(n_people) < 0.75
    has_handle = rng.random(n_people) < 0.35

    # ---- master -------------------------------------------------------------------------------
    master: dict[str, list] = {name: [] for name in FIELDS}

    def add_master(p: int, number: str, duplicate: bool) -> None:
        h = int(hh_of[p])
        given, family = person_given(p), surnames[surname[p]]
        street, house = person_street(h)
        bd = date.fromordinal(int(birth[p]))
        if rng.random() < 0.04:
            given, family = given.translate(_UE), family.translate(_UE)  # legacy import
        if duplicate:
            r = rng.random()
            if r < 0.3 and given in NICKS:
                given = NICKS[given][0]
            elif r < 0.6:
                family = _typo(family, rng)
            if rng.random() < 0.5:
                bd = None  # type: ignore[assignment]
        elif rng.random() < 0.01:
            bd = date.fromordinal(bd.toordinal() + int(rng.choice([-365, 1, 30])))
        phone = mobile_of(p) if mobile[p] and rng.random() < 0.6 else landline(h)
        master["record_id"].append(f"C{len(master['record_id']):08d}")
        master["person_id"].append(int(p))
        master["given_name"].append(given)
        master["family_name"].append(family)
        master["name"].append(None)
        master["birth_date"].append(bd.isoformat() if bd else None)
        master["street"].append(street)
        master["house_number"].append(house)
        master["postcode"].append(postcodes[hh_place[h]])
        master["city"].append(cities[hh_place[h]])
        master["email"].append(
            email_of(p, person_given(p), surnames[surname[p]], 0) if has_email[p] else None
        )
        master["phone"].append(phone)
        handle = handle_of(p, person_given(p), surnames[surname[p]], 0) if has_handle[p] else None
        master["handle"].append(handle)
        master["customer_number"].append(number)
        master["verified"].append(("handle",) if handle and rng.random() < 0.8 else ())
        master["channel"].append("master")

    for k, p in enumerate(customer_idx.tolist()):
        add_master(p, f"K{10_000_000 + k}", False)
    duplicates = rng.choice(customer_idx, int(len(customer_idx) * 0.02), replace=False)
    for k, p in enumerate(duplicates.tolist()):
        add_master(int(p), f"K{50_000_000 + k}", True)
    customer_number = {
        p: n for p, n in zip(master["person_id"], master["customer_number"], strict=True)
    }

    # ---- contacts -----------------------------------------------------------------------------
    strangers_needed = n_contacts
    stranger_given = rng.integers(0, 10_000, strangers_needed)
    stranger_surname = rng.choice(len(surnames), strangers_needed, p=surname_w)
    stranger_place = rng.choice(len(postcodes), strangers_needed, p=place_w)
    contacts: dict[str, list] = {name: [] for name in FIELDS}
    channel_of = rng.choice(len(CHANNELS), n_contacts, p=CHANNEL_SHARES)
    source = rng.random(n_contacts)
    married_names: dict[int, str] = {}
    moved: dict[int, tuple[str, str, str, str]] = {}

    for c in range(n_contacts):
        channel = CHANNELS[channel_of[c]]
        stranger = False
        if source[c] < 0.85 or not len(noncustomer_household):
            p = int(customer_idx[rng.integers(0, len(customer_idx))])
        elif source[c] < 0.925:
            p = int(noncustomer_household[rng.integers(0, len(noncustomer_household))])
        else:
            stranger = True
            p = -1 - c
        # The person's current state.
        if stranger:
            is_f = bool(stranger_given[c] % 2)
            names = FEMALE if is_f else MALE
            given = names[stranger_given[c] % len(names)]
            family = surnames[stranger_surname[c]]
            pc = postcodes[stranger_place[c]]
            city = cities[stranger_place[c]]
            street = STREET_BASES[c % len(STREET_BASES)] + "straße"
            house = str(1 + c % 120)
            bd = date(1940, 1, 1) + timedelta(days=int(rng.integers(0, 24000)))
            phone_home, phone_mobile = f"0{30 + c % 900} {3_000_000 + c}", None
            email = email_of(p, given, family, 5)
            handle = handle_of(p, given, family, 5)
        else:
            h = int(hh_of[p])
            given, family = person_given(p), surnames[surname[p]]
            street, house = person_street(h)
            pc, city = postcodes[hh_place[h]], cities[hh_place[h]]
            bd = date.fromordinal(int(birth[p]))
            phone_home, phone_mobile = landline(h), mobile_of(p)
            if p not in married_names and female[p] and rng.random() < 0.03:
                new = surnames[int(rng.choice(len(surnames), p=surname_w))]
                married_names[p] = f"{family}-{new}" if rng.random() < 0.4 else new
            family = married_names.get(p, family)
            if p not in moved and rng.random() < 0.05:
                place = int(rng.choice(len(postcodes), p=place_w))
                moved[p] = (
                    STREET_BASES[int(rng.integers(0, len(STREET_BASES)))] + "weg",
                    str(int(rng.integers(1, 90))),
                    postcodes[place],
                    cities[place],
                )
            if p in moved:
                street, house, pc, city = moved[p]
                phone_home = None
            known_email = has_email[p] and rng.random() < 0.7
            email = email_of(p, person_given(p), surnames[surname[p]], 0 if known_email else 3)
            known_handle = has_handle[p] and rng.random() < 0.75
            handle = handle_of(p, person_given(p), surnames[surname[p]], 0 if known_handle else 2)

        # How the channel writes the name.
        shown_given = given
        if given in NICKS and rng.random() < (0.3 if channel == "tweet" else 0.1):
            shown_given = NICKS[given][int(rng.integers(0, len(NICKS[given])))]
        shown_family = _umlaut_variant(family, rng, 0.35)
        shown_given = _umlaut_variant(shown_given, rng, 0.35)
        if rng.random() < 0.05:
            shown_family = _typo(shown_family, rng)
        if rng.random() < 0.03:
            shown_given = _typo(shown_given, rng)

        row = dict.fromkeys(FIELDS)
        row["record_id"] = f"I{c:08d}"
        row["person_id"] = p
        row["channel"] = channel
        row["verified"] = ()
        r = rng.random()
        if channel == "tweet":
            if r < 0.12:
                row["name"] = shown_given
            elif r < 0.22:
                row["name"] = f"{shown_given} {shown_family[0]}."
            else:
                row["name"] = f"{shown_given} {shown_family}"
            row["handle"] = handle
            row["verified"] = ("handle",)
        elif channel == "email":
            if r < 0.85:
                row["name"] = (
                    f"{shown_family}, {shown_given}" if r < 0.2 else f"{shown_given} {shown_family}"
                )
            row["email"] = email
        elif channel == "letter":
            title = "Dr. " if rng.random() < 0.05 else ""
            row["name"] = f"{title}{shown_given} {shown_family}"
            row["street"] = f"{street} {house}" if rng.random() < 0.5 else street
            if not row["street"].endswith(house):
                row["house_number"] = house
            row["postcode"], row["city"] = pc, city
            if rng.random() < 0.4 and not stranger:
                row["customer_number"] = customer_number.get(p)
            if rng.random() < 0.15:
                row["birth_date"] = bd.strftime("%d.%m.%Y")
        elif channel == "call":
            row["given_name"], row["family_name"] = shown_given, shown_family
            row["phone"] = (
                phone_mobile if phone_mobile and rng.random() < 0.6 else phone_home
            ) or phone_mobile
            if rng.random() < 0.25:
                row["phone"] = f"01{int(rng.integers(50, 79))} {int(rng.integers(1e6, 9e6))}"
            if rng.random() < 0.6:
                row["birth_date"] = bd.isoformat()
                if rng.random() < 0.05:
                    row["birth_date"] = bd.strftime("%Y-%d-%m") if bd.day <= 12 else None
            if rng.random() < 0.5:
                row["postcode"] = pc
        else:  # web form
            row["given_name"], row["family_name"] = shown_given, shown_family
            row["email"] = email if rng.random() < 0.9 else None
            row["phone"] = phone_mobile if rng.random() < 0.5 else None
            if rng.random() < 0.5:
                row["birth_date"] = bd.isoformat()
            if rng.random() < 0.5:
                row["street"], row["house_number"] = street, house
                row["postcode"], row["city"] = pc, city
            if rng.random() < 0.3 and not stranger:
                number = customer_number.get(p)
                row["customer_number"] = _typo(number, rng) if number and r < 0.05 else number
        for name in FIELDS:
            contacts[name].append(row[name])

    return Dataset(
        customers=len(customer_idx),
        seed=seed,
        master=master,
        contacts=contacts,
        seconds=time.perf_counter() - started,
    )


def true_pairs(data: Dataset) -> set[tuple[str, str]]:
    """(contact record_id, master record_id) pairs that are the same person."""
    by_person: dict[int, list[str]] = {}
    for rid, pid in zip(data.master["record_id"], data.master["person_id"], strict=True):
        by_person.setdefault(pid, []).append(rid)
    return {
        (cid, mid)
        for cid, pid in zip(data.contacts["record_id"], data.contacts["person_id"], strict=True)
        for mid in by_person.get(pid, ())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    data = generate(args.customers, seed=args.seed, contacts=args.contacts)
    pairs = true_pairs(data)
    print(
        f"customers={data.customers} master_rows={len(data.master['record_id'])} "
        f"contacts={len(data.contacts['record_id'])} true_pairs={len(pairs)} "
        f"seed={data.seed} seconds={data.seconds:.1f}"
    )
    for i, row in enumerate(data.rows("contacts")):
        if i >= 8:
            break
        print({k: v for k, v in row.items() if v not in (None, ())})


if __name__ == "__main__":
    main()
