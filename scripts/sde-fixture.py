#!/usr/bin/env python3
"""Writes SDE zips in CCP's JSON Lines format (the 2025+ SDE: one record per line, `_key`, localised
names, keys sorted, optional fields absent).

  scripts/sde-fixture.py                  tests/sde-fixture/sde-fixture.zip: a small set of real records
  scripts/sde-fixture.py --synthetic OUT  a generated set of the real SDE's size, for `just bench`

The fixture's ids, names and relations are the real ones. Lines marked VERBATIM are copied from the real
files (build 3484357); the others carry the real values of the fields the hub reads and leave out most
fields it does not. Localised names carry English only unless the real translations are known.
"""
import json
import sys
import zipfile

BUILD = {"_key": "sde", "buildNumber": 3484357, "releaseDate": "2026-08-28T11:07:12Z"}
ALL_LANGUAGES = ["de", "en", "es", "fr", "ja", "ko", "ru", "zh"]


def en(text):
    return {"en": text}


def line(record):
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


CATEGORIES = [
    {"_key": 4, "name": en("Material"), "published": True},
    # VERBATIM
    {"_key": 6, "name": {"de": "Schiff", "en": "Ship", "es": "Nave", "fr": "Vaisseau", "ja": "艦船", "ko": "함선",
                         "ru": "Корабль", "zh": "舰船"}, "published": True},
    {"_key": 7, "iconID": 67, "name": en("Module"), "published": True},
    {"_key": 16, "iconID": 33, "name": en("Skill"), "published": True},
]

GROUPS = [
    {"_key": 18, "anchorable": False, "anchored": False, "categoryID": 4, "fittableNonSingleton": False,
     "name": en("Mineral"), "published": True, "useBasePrice": True},
    # VERBATIM
    {"_key": 25, "anchorable": False, "anchored": False, "categoryID": 6, "fittableNonSingleton": False,
     "name": {"de": "Fregatte", "en": "Frigate", "es": "Fragata", "fr": "Frégate", "ja": "フリゲート", "ko": "프리깃",
              "ru": "Фрегат", "zh": "护卫舰"}, "published": True, "useBasePrice": False},
    {"_key": 26, "anchorable": False, "anchored": False, "categoryID": 6, "fittableNonSingleton": False,
     "name": en("Cruiser"), "published": True, "useBasePrice": False},
    {"_key": 27, "anchorable": False, "anchored": False, "categoryID": 6, "fittableNonSingleton": False,
     "name": en("Battleship"), "published": True, "useBasePrice": False},
    {"_key": 29, "anchorable": False, "anchored": False, "categoryID": 6, "fittableNonSingleton": False,
     "name": en("Capsule"), "published": False, "useBasePrice": False},
    {"_key": 419, "anchorable": False, "anchored": False, "categoryID": 6, "fittableNonSingleton": False,
     "name": en("Combat Battlecruiser"), "published": True, "useBasePrice": False},
    {"_key": 55, "anchorable": False, "anchored": False, "categoryID": 7, "fittableNonSingleton": False,
     "name": en("Projectile Weapon"), "published": True, "useBasePrice": False},
    {"_key": 59, "anchorable": False, "anchored": False, "categoryID": 7, "fittableNonSingleton": False,
     "name": en("Gyrostabilizer"), "published": True, "useBasePrice": False},
    {"_key": 60, "anchorable": False, "anchored": False, "categoryID": 7, "fittableNonSingleton": False,
     "name": en("Damage Control"), "published": True, "useBasePrice": False},
    {"_key": 255, "anchorable": False, "anchored": False, "categoryID": 16, "fittableNonSingleton": False,
     "name": en("Gunnery"), "published": True, "useBasePrice": False},
    {"_key": 257, "anchorable": False, "anchored": False, "categoryID": 16, "fittableNonSingleton": False,
     "name": en("Spaceship Command"), "published": True, "useBasePrice": False},
]

MARKET_GROUPS = [
    {"_key": 4, "hasTypes": False, "name": en("Ships")},
    {"_key": 5, "hasTypes": False, "name": en("Frigates"), "parentGroupID": 4},
    # VERBATIM (description shortened to English)
    {"_key": 64, "description": en("Minmatar frigate designs."), "hasTypes": True, "iconID": 20968,
     "name": {"de": "Minmatar", "en": "Minmatar", "es": "Minmatar", "fr": "Minmatar", "ja": "ミンマター",
              "ko": "민마타", "ru": "Минматарские", "zh": "米玛塔尔"}, "parentGroupID": 5},
    {"_key": 1857, "hasTypes": True, "name": en("Minerals")},
]


def type_record(key, group, name, volume, market=None, **extra):
    record = {"_key": key, "groupID": group, "name": en(name) if isinstance(name, str) else name,
              "portionSize": 1, "published": True, "volume": volume, **extra}
    if market is not None:
        record["marketGroupID"] = market
    return record


TYPES = [
    type_record(34, 18, "Tritanium", 0.01, 1857),
    type_record(35, 18, "Pyerite", 0.01, 1857),
    type_record(36, 18, "Mexallon", 0.01, 1857),
    type_record(37, 18, "Isogen", 0.01, 1857),
    type_record(38, 18, "Nocxium", 0.01, 1857),
    type_record(39, 18, "Zydrine", 0.01, 1857),
    type_record(40, 18, "Megacyte", 0.01, 1857),
    # VERBATIM but for the description
    {"_key": 587, "basePrice": 400000.0, "capacity": 140.0, "factionID": 500002, "graphicID": 46, "groupID": 25,
     "isRepackable": True, "marketGroupID": 64, "mass": 1067000.0, "metaGroupID": 1, "metaLevel": 0,
     "name": {"de": "Rifter", "en": "Rifter", "es": "Rifter", "fr": "Rifter", "ja": "リフター", "ko": "리프터",
              "ru": "Rifter", "zh": "裂谷级"}, "packagedVolume": 2500.0, "portionSize": 1, "published": True,
     "raceID": 2, "radius": 31.0, "shipTreeGroupID": 8, "soundID": 20078, "techLevel": 1, "volume": 27289.0},
    type_record(603, 25, "Merlin", 16500.0, raceID=1),
    type_record(620, 26, "Osprey", 107000.0, raceID=1),
    type_record(638, 27, "Raven", 486000.0, raceID=1),
    type_record(24690, 419, "Drake", 252000.0, raceID=1),
    type_record(2873, 55, "200mm AutoCannon I", 5.0),
    type_record(519, 59, "Gyrostabilizer II", 5.0),
    type_record(2046, 60, "Damage Control I", 5.0),
    # A type the client no longer shows: kept, and named.
    {"_key": 670, "groupID": 29, "name": en("Capsule"), "portionSize": 1, "published": False, "volume": 500.0},
    type_record(3300, 255, "Gunnery", 0.01),
    type_record(3301, 255, "Small Hybrid Turret", 0.01),
    type_record(3302, 255, "Small Projectile Turret", 0.01),
    type_record(3327, 257, "Spaceship Command", 0.01),
    type_record(3329, 257, "Minmatar Frigate", 0.01),
    type_record(3330, 257, "Caldari Frigate", 0.01),
    type_record(3334, 257, "Caldari Cruiser", 0.01),
    type_record(3338, 257, "Caldari Battleship", 0.01),
]

PERCEPTION, WILLPOWER = 167, 168


def skill_dogma(key, rank, requires=(), primary=PERCEPTION, secondary=WILLPOWER):
    attributes = [{"attributeID": 180, "value": float(primary)}, {"attributeID": 181, "value": float(secondary)},
                  {"attributeID": 275, "value": float(rank)}]
    for (skill_attr, level_attr), (skill, level) in zip([(182, 277), (183, 278), (184, 279)], requires):
        attributes += [{"attributeID": skill_attr, "value": float(skill)},
                       {"attributeID": level_attr, "value": float(level)}]
    attributes.sort(key=lambda a: a["attributeID"])
    return {"_key": key, "dogmaAttributes": attributes, "dogmaEffects": []}


TYPE_DOGMA = [
    skill_dogma(3300, 1),
    skill_dogma(3301, 1, [(3300, 1)]),
    skill_dogma(3302, 1, [(3300, 1)]),
    skill_dogma(3327, 1),
    skill_dogma(3329, 2, [(3327, 1)]),
    skill_dogma(3330, 2, [(3327, 1)]),
    skill_dogma(3334, 5, [(3330, 3)]),
    skill_dogma(3338, 8, [(3334, 3)]),
    # The Rifter needs Minmatar Frigate I (the real record's 182/277 pair; other attributes left out).
    {"_key": 587, "dogmaAttributes": [{"attributeID": 182, "value": 3329.0}, {"attributeID": 277, "value": 1.0}],
     "dogmaEffects": [{"effectID": 5779, "isDefault": False}]},
    {"_key": 2873, "dogmaAttributes": [{"attributeID": 182, "value": 3302.0}, {"attributeID": 277, "value": 1.0}],
     "dogmaEffects": []},
]

DOGMA_ATTRIBUTES = [
    {"_key": key, "dataType": 5, "defaultValue": 0.0, "displayWhenZero": False, "highIsGood": True, "name": name,
     "published": False, "stackable": True, **({"displayName": en(display)} if display else {})}
    for key, name, display in [
        (164, "charisma", "Charisma"), (165, "intelligence", "Intelligence"), (166, "memory", "Memory"),
        (167, "perception", "Perception"), (168, "willpower", "Willpower"),
        (180, "primaryAttribute", "Primary Attribute"), (181, "secondaryAttribute", "Secondary Attribute"),
        (182, "requiredSkill1", "Primary Skill required"), (277, "requiredSkill1Level", None),
        (183, "requiredSkill2", "Secondary Skill required"), (278, "requiredSkill2Level", None),
        (184, "requiredSkill3", "Tertiary Skill required"), (279, "requiredSkill3Level", None),
        (275, "skillTimeConstant", "Training time multiplier"),
    ]
]

FACTIONS = [
    {"_key": 500001, "corporationID": 1000035, "name": en("Caldari State"), "sizeFactor": 5.0},
    {"_key": 500002, "corporationID": 1000051, "name": en("Minmatar Republic"), "sizeFactor": 5.0},
    {"_key": 500010, "name": en("Guristas Pirates"), "sizeFactor": 1.0},
]

# One region -> constellation -> system chain of each security class: high, low, null, and a wormhole.
REGIONS = [
    {"_key": 10000002, "constellationIDs": [20000020], "factionID": 500001, "name": en("The Forge"), "nebulaID": 11799},
    {"_key": 10000033, "constellationIDs": [20000387], "factionID": 500001, "name": en("The Citadel"), "nebulaID": 11800},
    {"_key": 10000041, "constellationIDs": [20000484], "name": en("Syndicate"), "nebulaID": 11807},
    {"_key": 11000001, "constellationIDs": [21000001], "name": en("A-R00001"), "nebulaID": 11890, "wormholeClassID": 1},
]
CONSTELLATIONS = [
    {"_key": 20000020, "name": en("Kimotoro"), "regionID": 10000002, "solarSystemIDs": [30000142, 30000144]},
    {"_key": 20000387, "name": en("Kurala"), "regionID": 10000033, "solarSystemIDs": [30002813]},
    {"_key": 20000484, "name": en("YFN-UN"), "regionID": 10000041, "solarSystemIDs": [30003323]},
    {"_key": 21000001, "name": en("A-C00001"), "regionID": 11000001, "solarSystemIDs": [31000008]},
]


def system(key, name, constellation, region, security, security_class=None):
    record = {"_key": key, "border": False, "constellationID": constellation, "hub": False, "international": False,
              "name": en(name), "regional": False, "regionID": region, "securityStatus": security}
    if security_class:
        record["securityClass"] = security_class
    return record


SOLAR_SYSTEMS = [
    system(30000142, "Jita", 20000020, 10000002, 0.945913, "B"),
    system(30000144, "Perimeter", 20000020, 10000002, 0.953145, "B"),
    system(30002813, "Tama", 20000387, 10000033, 0.305211, "D1"),
    system(30003323, "TXW-EI", 20000484, 10000041, -0.0131),
    system(31000008, "J100744", 21000001, 11000001, -0.99),
]

STATION_OPERATIONS = [
    {"_key": 14, "activityID": 1, "operationName": en("Assembly Plant"), "services": [5, 7, 10]},
    {"_key": 22, "activityID": 2, "operationName": en("Storage"), "services": [5, 10]},
    {"_key": 26, "activityID": 1, "operationName": en("Logistic Support"), "services": [5, 10]},
]

NPC_CORPORATIONS = [
    {"_key": 1000035, "ceoID": 3004058, "deleted": False, "factionID": 500001, "name": en("Caldari Navy"),
     "tickerName": "CN", "uniqueName": True},
    {"_key": 1000002, "ceoID": 3004002, "deleted": False, "factionID": 500001, "name": en("CBD Corporation"),
     "tickerName": "CBD", "uniqueName": True},
    {"_key": 1000051, "ceoID": 3004212, "deleted": False, "factionID": 500002, "name": en("Republic Fleet"),
     "tickerName": "RF", "uniqueName": True},
]

NPC_STATIONS = [
    # VERBATIM
    {"_key": 60003760, "celestialIndex": 4, "operationID": 14, "orbitID": 40009087, "orbitIndex": 4,
     "ownerID": 1000035, "position": {"x": -107303362560.0, "y": -18744975360.0, "z": 436489052160.0},
     "reprocessingEfficiency": 0.5, "reprocessingHangarFlag": 4, "reprocessingStationsTake": 0.05,
     "solarSystemID": 30000142, "typeID": 52678, "useOperationName": True},
    {"_key": 60003757, "celestialIndex": 4, "operationID": 14, "orbitID": 40009088, "orbitIndex": 5,
     "ownerID": 1000035, "solarSystemID": 30000142, "typeID": 1529, "useOperationName": True},
    # VERBATIM
    {"_key": 60003754, "celestialIndex": 2, "operationID": 14, "orbitID": 40009233, "orbitIndex": 1,
     "ownerID": 1000035, "position": {"x": 88472248320.0, "y": 5987082240.0, "z": 102824386560.0},
     "reprocessingEfficiency": 0.5, "reprocessingHangarFlag": 4, "reprocessingStationsTake": 0.05,
     "solarSystemID": 30000144, "typeID": 1529, "useOperationName": True},
    # A station orbiting a planet: no orbitIndex.
    {"_key": 60000010, "celestialIndex": 1, "operationID": 26, "orbitID": 40176121, "ownerID": 1000002,
     "solarSystemID": 30002813, "typeID": 1531, "useOperationName": True},
    {"_key": 60000013, "celestialIndex": 3, "operationID": 22, "orbitID": 40176140, "orbitIndex": 2,
     "ownerID": 1000002, "solarSystemID": 30002813, "typeID": 1531, "useOperationName": False},
]

FILES = {
    "_sde": [BUILD],
    "categories": CATEGORIES,
    "groups": GROUPS,
    "marketGroups": MARKET_GROUPS,
    "types": TYPES,
    "typeDogma": TYPE_DOGMA,
    "dogmaAttributes": DOGMA_ATTRIBUTES,
    "factions": FACTIONS,
    "mapRegions": REGIONS,
    "mapConstellations": CONSTELLATIONS,
    "mapSolarSystems": SOLAR_SYSTEMS,
    "stationOperations": STATION_OPERATIONS,
    "npcCorporations": NPC_CORPORATIONS,
    "npcStations": NPC_STATIONS,
    # A file the hub does not import: reported as skipped.
    "translationLanguages": [{"_key": "en", "name": "English"}, {"_key": "de", "name": "German"}],
}


def write(path, files):
    # A fixed timestamp keeps the zip byte-identical between runs.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for stem, records in files.items():
            info = zipfile.ZipInfo(f"{stem}.jsonl", date_time=(2026, 8, 28, 11, 7, 12))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, "".join(line(r) + "\n" for r in records))


def synthetic():
    """The real SDE's size: ~50,000 types, 8,000 systems, 5,000 stations, with the real field mix."""
    langs = lambda text: {lang: text for lang in ALL_LANGUAGES}
    files = {"_sde": [{**BUILD, "buildNumber": 9000001}]}
    files["categories"] = [{"_key": c, "name": langs(f"Category {c}"), "published": True} for c in range(1, 49)]
    files["groups"] = [{"_key": g, "anchorable": False, "anchored": False, "categoryID": 1 + g % 48,
                        "fittableNonSingleton": False, "name": langs(f"Group {g}"), "published": True,
                        "useBasePrice": False} for g in range(1, 1611)]
    files["marketGroups"] = [{"_key": m, "hasTypes": True, "name": langs(f"Market group {m}"),
                              **({"parentGroupID": m // 2} if m > 1 else {})} for m in range(1, 2107)]
    files["types"] = [{"_key": t, "basePrice": 1000.0, "description": langs(f"Type {t} " + "lorem ipsum " * 40),
                       "groupID": 1 + t % 1610, "mass": 1000.0, "name": langs(f"Type {t}"), "portionSize": 1,
                       "published": t % 5 != 0, "volume": 1.0, **({"marketGroupID": 1 + t % 2106} if t % 3 else {})}
                      for t in range(1, 52864)]
    files["typeDogma"] = [{"_key": t, "dogmaAttributes": [{"attributeID": a, "value": float(a)} for a in range(1, 30)]
                           + ([{"attributeID": 180, "value": 167.0}, {"attributeID": 181, "value": 168.0},
                               {"attributeID": 182, "value": float(t - 1)}, {"attributeID": 275, "value": 2.0},
                               {"attributeID": 277, "value": 1.0}] if t % 50 == 0 else []),
                           "dogmaEffects": []} for t in range(1, 26829)]
    files["dogmaAttributes"] = [{"_key": a, "dataType": 5, "defaultValue": 0.0, "name": f"attribute{a}",
                                 "published": True} for a in range(1, 2868)]
    files["factions"] = [{"_key": 500000 + f, "name": langs(f"Faction {f}")} for f in range(1, 28)]
    files["mapRegions"] = [{"_key": 10000000 + r, "name": langs(f"Region {r}")} for r in range(1, 114)]
    files["mapConstellations"] = [{"_key": 20000000 + c, "name": langs(f"Constellation {c}"),
                                   "regionID": 10000000 + 1 + c % 113} for c in range(1, 1176)]
    files["mapSolarSystems"] = [{"_key": 30000000 + s, "constellationID": 20000000 + 1 + s % 1175,
                                 "name": langs(f"System {s}"), "regionID": 10000000 + 1 + (s % 1175) % 113,
                                 "securityStatus": (s % 200) / 100 - 1.0} for s in range(1, 8438)]
    files["stationOperations"] = [{"_key": o, "operationName": langs(f"Operation {o}")} for o in range(1, 60)]
    files["npcCorporations"] = [{"_key": 1000000 + c, "name": langs(f"Corporation {c}"), "tickerName": f"C{c}"}
                                for c in range(1, 283)]
    files["npcStations"] = [{"_key": 60000000 + s, "celestialIndex": 1 + s % 9, "operationID": 1 + s % 59,
                             "orbitID": 40000000 + s, **({"orbitIndex": 1 + s % 20} if s % 3 else {}),
                             "ownerID": 1000000 + 1 + s % 282, "solarSystemID": 30000000 + 1 + s % 8437,
                             "typeID": 1529, "useOperationName": True} for s in range(1, 5155)]
    return files


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--synthetic":
        write(sys.argv[2] if len(sys.argv) > 2 else "sde-synthetic.zip", synthetic())
    else:
        write(sys.argv[1] if len(sys.argv) > 1 else "tests/sde-fixture/sde-fixture.zip", FILES)
