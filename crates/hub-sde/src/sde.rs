//! The files of the SDE zip the hub imports, parsed into the rows of the `sde` schema.

use crate::records::{roman, LineError, Record, Skipped, Text};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek};

/// Skill rank (`skillTimeConstant`), primary and secondary attribute.
const ATTR_RANK: i64 = 275;
const ATTR_PRIMARY: i64 = 180;
const ATTR_SECONDARY: i64 = 181;
/// Required skills 1-6 and their levels, pairwise.
const REQUIRED_SKILLS: [(i64, i64); 6] =
    [(182, 277), (183, 278), (184, 279), (1285, 1286), (1289, 1287), (1290, 1288)];

/// The files read, in the order they are read (stations last: their names need systems, owners and
/// operations).
pub const FILES: [&str; 14] = [
    "_sde",
    "categories",
    "groups",
    "marketGroups",
    "types",
    "dogmaAttributes",
    "typeDogma",
    "factions",
    "mapRegions",
    "mapConstellations",
    "mapSolarSystems",
    "stationOperations",
    "npcCorporations",
    "npcStations",
];

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Line(#[from] LineError),
    #[error("the zip cannot be read: {0}")]
    Zip(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("the zip holds no {0}.jsonl: is this the JSON Lines SDE?")]
    Missing(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub id: i64,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: i64,
    pub name: Text,
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub category_id: i64,
    pub name: Text,
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MarketGroup {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    pub id: i64,
    pub group_id: i64,
    pub market_group_id: Option<i64>,
    pub name: Text,
    pub published: bool,
    pub volume: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    pub type_id: i64,
    pub rank: i64,
    pub primary_attribute: Option<i64>,
    pub secondary_attribute: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredSkill {
    pub type_id: i64,
    pub skill_id: i64,
    pub level: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DogmaAttribute {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Faction {
    pub id: i64,
    pub name: Text,
    pub corporation_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub id: i64,
    pub name: Text,
    pub faction_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constellation {
    pub id: i64,
    pub region_id: i64,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SolarSystem {
    pub id: i64,
    pub constellation_id: i64,
    pub region_id: i64,
    pub name: Text,
    pub security: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NpcCorporation {
    pub id: i64,
    pub name: Text,
    pub ticker: Option<String>,
    pub faction_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpcStation {
    pub id: i64,
    pub solar_system_id: i64,
    pub type_id: i64,
    pub owner_id: i64,
    pub operation_id: Option<i64>,
    pub name: String,
}

/// The build record (`_sde.jsonl`, the same record as `latest.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub number: i64,
    pub release_date: Option<String>,
}

/// Everything one import loads.
#[derive(Debug, Default)]
pub struct Sde {
    pub build: Option<Build>,
    pub categories: Vec<Category>,
    pub groups: Vec<Group>,
    pub market_groups: Vec<MarketGroup>,
    pub types: Vec<Type>,
    pub skills: Vec<Skill>,
    pub required_skills: Vec<RequiredSkill>,
    pub dogma_attributes: Vec<DogmaAttribute>,
    pub factions: Vec<Faction>,
    pub regions: Vec<Region>,
    pub constellations: Vec<Constellation>,
    pub solar_systems: Vec<SolarSystem>,
    pub station_operations: Vec<Named>,
    pub npc_corporations: Vec<NpcCorporation>,
    pub npc_stations: Vec<NpcStation>,
    pub skipped: Skipped,
}

/// Reads the SDE from a zip (files may sit in a folder inside it).
pub fn read_zip<R: Read + Seek>(zip: R) -> Result<Sde, ReadError> {
    let mut archive = zip::ZipArchive::new(zip).map_err(|e| ReadError::Zip(e.to_string()))?;
    let mut by_stem: HashMap<String, usize> = HashMap::new();
    let mut sde = Sde::default();
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| ReadError::Zip(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().rsplit('/').next().unwrap_or_default().to_owned();
        match name.strip_suffix(".jsonl") {
            Some(stem) if FILES.contains(&stem) => {
                by_stem.insert(stem.to_owned(), index);
            }
            _ => {
                sde.skipped.files.insert(name);
            }
        }
    }
    let mut reader = Reader { sde };
    for stem in FILES {
        let Some(&index) = by_stem.get(stem) else {
            if matches!(stem, "types" | "groups" | "categories" | "mapSolarSystems") {
                return Err(ReadError::Missing(stem));
            }
            continue;
        };
        let entry = archive.by_index(index).map_err(|e| ReadError::Zip(e.to_string()))?;
        reader.read_file(stem, entry)?;
    }
    Ok(reader.finish())
}

struct Reader {
    sde: Sde,
}

impl Reader {
    fn read_file(&mut self, stem: &'static str, input: impl Read) -> Result<(), ReadError> {
        let file = format!("{stem}.jsonl");
        let mut lines = BufReader::with_capacity(1 << 16, input);
        let mut text = String::new();
        let mut line = 0;
        loop {
            text.clear();
            let read = lines
                .read_line(&mut text)
                .map_err(|e| ReadError::Io(format!("{file} line {}", line + 1), e))?;
            if read == 0 {
                return Ok(());
            }
            line += 1;
            if text.trim().is_empty() {
                continue;
            }
            let mut record = Record::parse(&file, line, &text)?;
            self.record(stem, &mut record)?;
            self.sde.skipped.note_fields(&file, &record);
        }
    }

    #[allow(clippy::too_many_lines)]
    fn record(&mut self, stem: &str, r: &mut Record<'_>) -> Result<(), LineError> {
        let sde = &mut self.sde;
        match stem {
            "_sde" if r.opt_string("_key")?.as_deref() == Some("sde") => {
                sde.build =
                    Some(Build { number: r.int("buildNumber")?, release_date: r.opt_string("releaseDate")? });
            }
            "categories" => sde.categories.push(Category {
                id: r.key()?,
                name: r.text("name")?,
                published: r.bool_or("published", false)?,
            }),
            "groups" => sde.groups.push(Group {
                id: r.key()?,
                category_id: r.int("categoryID")?,
                name: r.text("name")?,
                published: r.bool_or("published", false)?,
            }),
            "marketGroups" => sde.market_groups.push(MarketGroup {
                id: r.key()?,
                parent_id: r.opt_int("parentGroupID")?,
                name: r.text("name")?,
            }),
            "types" => sde.types.push(Type {
                id: r.key()?,
                group_id: r.int("groupID")?,
                market_group_id: r.opt_int("marketGroupID")?,
                name: r.text("name")?,
                published: r.bool_or("published", false)?,
                volume: r.opt_float("volume")?,
            }),
            "dogmaAttributes" => sde.dogma_attributes.push(DogmaAttribute {
                id: r.key()?,
                name: r.opt_string("name")?.unwrap_or_default(),
                display_name: r.opt_text("displayName")?.map(|t| t.en),
            }),
            "typeDogma" => {
                let type_id = r.key()?;
                let mut values = HashMap::new();
                for attribute in r.list("dogmaAttributes")? {
                    let id = attribute.get("attributeID").and_then(serde_json::Value::as_i64);
                    let value = attribute.get("value").and_then(serde_json::Value::as_f64);
                    let (Some(id), Some(value)) = (id, value) else {
                        return Err(r.line_error(
                            "a dogma attribute needs an integer attributeID and a numeric value",
                        ));
                    };
                    values.insert(id, value);
                }
                #[allow(clippy::cast_possible_truncation)]
                let int = |id: i64| values.get(&id).map(|v| v.round() as i64);
                if let Some(rank) = int(ATTR_RANK) {
                    sde.skills.push(Skill {
                        type_id,
                        rank,
                        primary_attribute: int(ATTR_PRIMARY),
                        secondary_attribute: int(ATTR_SECONDARY),
                    });
                }
                for (skill, level) in REQUIRED_SKILLS {
                    if let Some(skill_id) = int(skill).filter(|s| *s > 0) {
                        let level = int(level).unwrap_or(1).clamp(0, 5);
                        if !sde.required_skills.iter().any(|q| q.type_id == type_id && q.skill_id == skill_id)
                        {
                            sde.required_skills.push(RequiredSkill { type_id, skill_id, level });
                        }
                    }
                }
            }
            "factions" => sde.factions.push(Faction {
                id: r.key()?,
                name: r.text("name")?,
                corporation_id: r.opt_int("corporationID")?,
            }),
            "mapRegions" => sde.regions.push(Region {
                id: r.key()?,
                name: r.text("name")?,
                faction_id: r.opt_int("factionID")?,
            }),
            "mapConstellations" => sde.constellations.push(Constellation {
                id: r.key()?,
                region_id: r.int("regionID")?,
                name: r.text("name")?,
            }),
            "mapSolarSystems" => {
                let id = r.key()?;
                let constellation_id = r.int("constellationID")?;
                let region_id = match r.opt_int("regionID")? {
                    Some(region) => region,
                    None => sde
                        .constellations
                        .iter()
                        .find(|c| c.id == constellation_id)
                        .map(|c| c.region_id)
                        .ok_or_else(|| r.line_error("no regionID, and its constellation is unknown"))?,
                };
                sde.solar_systems.push(SolarSystem {
                    id,
                    constellation_id,
                    region_id,
                    name: r.text("name")?,
                    security: r.float("securityStatus")?,
                });
            }
            "stationOperations" => {
                sde.station_operations.push(Named { id: r.key()?, name: r.text("operationName")? });
            }
            "npcCorporations" => sde.npc_corporations.push(NpcCorporation {
                id: r.key()?,
                name: r.text("name")?,
                ticker: r.opt_string("tickerName")?,
                faction_id: r.opt_int("factionID")?,
            }),
            "npcStations" => {
                let id = r.key()?;
                let solar_system_id = r.int("solarSystemID")?;
                let owner_id = r.int("ownerID")?;
                let operation_id = r.opt_int("operationID")?;
                let use_operation_name = r.bool_or("useOperationName", false)?;
                // The orbit is named as the client names it, from the indexes the station carries:
                // `<system> <planet in roman>` and ` - Moon <n>` when it orbits a moon.
                let system = sde
                    .solar_systems
                    .iter()
                    .find(|s| s.id == solar_system_id)
                    .map_or_else(|| format!("System #{solar_system_id}"), |s| s.name.en.clone());
                let mut orbit = match r.opt_int("celestialIndex")? {
                    Some(planet) => format!("{system} {}", roman(planet)),
                    None => system,
                };
                if let Some(moon) = r.opt_int("orbitIndex")? {
                    orbit = format!("{orbit} - Moon {moon}");
                }
                let owner = sde
                    .npc_corporations
                    .iter()
                    .find(|c| c.id == owner_id)
                    .map_or_else(|| format!("Corporation #{owner_id}"), |c| c.name.en.clone());
                let mut name = format!("{orbit} - {owner}");
                if use_operation_name {
                    if let Some(operation) =
                        operation_id.and_then(|o| sde.station_operations.iter().find(|op| op.id == o))
                    {
                        name.push(' ');
                        name.push_str(&operation.name.en);
                    }
                }
                sde.npc_stations.push(NpcStation {
                    id,
                    solar_system_id,
                    type_id: r.int("typeID")?,
                    owner_id,
                    operation_id,
                    name,
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Sde {
        self.sde
    }
}
