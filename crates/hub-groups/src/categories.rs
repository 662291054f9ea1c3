//! Categories: site admins create, rename, describe and delete them; each says who may create
//! groups in it.

use crate::{valid_description, valid_name, Caller, CategoryPermission, GroupError, Result};
use hub_ports::{PgError, PgRow, PgValue, Postgres, Random};
use hub_postgres::in_transaction;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Category {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permission: CategoryPermission,
    pub group_count: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewCategory {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub permission: CategoryPermission,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permission: Option<CategoryPermission>,
}

const COLUMNS: &str = "c.id, c.name, c.description, c.permission,
    (SELECT count(*) FROM groups g WHERE g.category_id = c.id)";

fn category(row: &PgRow) -> std::result::Result<Category, PgError> {
    Ok(Category {
        id: row.uuid(0)?,
        name: row.text(1)?,
        description: row.text(2)?,
        permission: CategoryPermission::parse(&row.text(3)?)?,
        group_count: row.int(4)?,
    })
}

fn require_site_admin(caller: &Caller) -> Result<()> {
    if caller.site_admin {
        Ok(())
    } else {
        Err(GroupError::Forbidden("only site admins manage categories".into()))
    }
}

fn name_taken(e: PgError) -> GroupError {
    match e {
        PgError::UniqueViolation(_) => GroupError::Conflict("a category with this name exists".into()),
        other => other.into(),
    }
}

pub async fn list_categories(pg: &impl Postgres) -> Result<Vec<Category>> {
    let rows = pg.query(&format!("SELECT {COLUMNS} FROM group_categories c ORDER BY c.name"), &[]).await?;
    Ok(rows.iter().map(category).collect::<std::result::Result<_, _>>()?)
}

pub async fn create_category(
    pg: &impl Postgres,
    random: &impl Random,
    caller: &Caller,
    new: &NewCategory,
) -> Result<Category> {
    require_site_admin(caller)?;
    let name = valid_name(&new.name, "name")?;
    let description = valid_description(&new.description)?;
    let rows = pg
        .query(
            &format!(
                "WITH c AS (INSERT INTO group_categories (id, name, description, permission)
                    VALUES ($1, $2, $3, $4) RETURNING *) SELECT {COLUMNS} FROM c"
            ),
            &[
                PgValue::Uuid(random.uuid_v4()),
                PgValue::Text(name),
                PgValue::Text(description),
                PgValue::Text(new.permission.as_str().into()),
            ],
        )
        .await
        .map_err(name_taken)?;
    Ok(category(rows.first().ok_or_else(|| PgError::RowShape("insert returned no row".into()))?)?)
}

pub async fn update_category(
    pg: &impl Postgres,
    caller: &Caller,
    id: Uuid,
    patch: &CategoryPatch,
) -> Result<Category> {
    require_site_admin(caller)?;
    let name = patch.name.as_deref().map(|n| valid_name(n, "name")).transpose()?;
    let description = patch.description.as_deref().map(valid_description).transpose()?;
    let text_or_null = |v: Option<String>| v.map_or(PgValue::Null, PgValue::Text);
    let rows = pg
        .query(
            &format!(
                "WITH c AS (UPDATE group_categories SET name = coalesce($2, name),
                    description = coalesce($3, description), permission = coalesce($4, permission),
                    updated_at = now() WHERE id = $1 RETURNING *) SELECT {COLUMNS} FROM c"
            ),
            &[
                PgValue::Uuid(id),
                text_or_null(name),
                text_or_null(description),
                text_or_null(patch.permission.map(|p| p.as_str().to_owned())),
            ],
        )
        .await
        .map_err(name_taken)?;
    let row = rows.first().ok_or_else(|| GroupError::NotFound("no such category".into()))?;
    Ok(category(row)?)
}

/// Deletes an empty category; one that still has groups is a conflict.
pub async fn delete_category(pg: &impl Postgres, caller: &Caller, id: Uuid) -> Result<()> {
    require_site_admin(caller)?;
    in_transaction(pg, |pg| async move {
        let rows = pg
            .query(
                "SELECT (SELECT count(*) FROM groups WHERE category_id = $1) FROM group_categories
                 WHERE id = $1 FOR UPDATE",
                &[PgValue::Uuid(id)],
            )
            .await?;
        let row = rows.first().ok_or_else(|| GroupError::NotFound("no such category".into()))?;
        if row.int(0)? > 0 {
            return Err(GroupError::Conflict(
                "the category still has groups; delete or move them first".into(),
            ));
        }
        pg.execute("DELETE FROM group_categories WHERE id = $1", &[PgValue::Uuid(id)]).await?;
        Ok(())
    })
    .await
}
