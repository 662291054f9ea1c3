//! Groups over the Postgres port: categories, groups, and every way in and out.
//!
//! - Ways in: join an open group, request to join an approval group (admins decide), accept an
//!   invitation, redeem an invite code, or match an affiliation rule.
//! - Ways out: leave, or be removed by an admin (or by a rule that stops matching).
//! - Every operation checks the caller's role ([`Role`]) and runs in one transaction; every
//!   membership change is written to `group_membership_log` with its reason.
//! - Operations that someone should hear about return [`NewNotification`]s; the caller delivers
//!   them after the transaction committed.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod api;
mod categories;
mod groups;
mod listing;
mod log;
mod membership;
mod routes;
mod rows;
mod rules;

pub use categories::{create_category, delete_category, list_categories, update_category, Category};
pub use categories::{CategoryPatch, NewCategory};
pub use groups::{
    announce, create_group, delete_group, group_detail, update_group, GroupDetail, GroupPatch, NewGroup,
};
pub use listing::{categories_with_groups, list_groups, members, CategoryWithGroups, GroupFilter, GroupView};
pub use listing::{Member, MembersPage};
pub use log::{membership_log, LogEntry};
pub use membership::{
    add_admin, cancel_request, create_invite_code, decide_request, invite, join, leave, list_invitations,
    list_invite_codes, list_requests, my_invitations, redeem_code, remove_admin, remove_member, request_join,
    respond_invitation, revoke_invitation, revoke_invite_code, transfer_ownership, Invitation, InviteCode,
    JoinOutcome, JoinRequest, NewInviteCode,
};
pub use routes::{routes, GroupRules, GroupRulesService, UserRequest};
pub use rules::{
    add_rule, list_rules, reevaluate_user, remove_rule, AffiliationKind, AffiliationRule, NewRule,
    RuleChange, RuleEffect,
};

use hub_domain::notification::NewNotification;
use hub_domain::UserId;
use hub_ports::PgError;
use serde::{Deserialize, Serialize};

/// Who is asking. Site admins come from configuration, so the worker says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub site_admin: bool,
}

/// The caller's role in one group, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Role {
    SiteAdmin,
    Owner,
    Admin,
    Member,
    Anyone,
}

impl Role {
    /// Runs the group: owner, group admin, or site admin.
    pub fn manages(self) -> bool {
        matches!(self, Role::SiteAdmin | Role::Owner | Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// A valid request the group's state does not allow (joining an invitation-only group...).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(PgError),
}

impl From<PgError> for GroupError {
    fn from(e: PgError) -> Self {
        match e {
            PgError::UniqueViolation(_) => GroupError::Conflict("that already exists".into()),
            other => GroupError::Database(other),
        }
    }
}

pub type Result<T> = std::result::Result<T, GroupError>;

/// A change, and who should be told about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<T> {
    pub value: T,
    pub notify: Vec<NewNotification>,
}

impl<T> Outcome<T> {
    fn quiet(value: T) -> Self {
        Self { value, notify: Vec::new() }
    }
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            fn parse(text: &str) -> std::result::Result<Self, PgError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(PgError::RowShape(format!("unknown {} `{other}`", stringify!($name)))),
                }
            }
        }
    };
}

text_enum!(
    /// Who may create groups in a category.
    CategoryPermission { Anyone = "anyone", AdminOnly = "admin_only" }
);
text_enum!(
    /// Hidden groups are listed to their members only; system groups are managed by rules and site
    /// admins, never joined or left by hand.
    Visibility { Public = "public", Hidden = "hidden", System = "system" }
);
text_enum!(
    JoinMode { Open = "open", Approval = "approval", InvitationOnly = "invitation_only" }
);

/// Checks a name: trimmed, 1 to 100 characters.
fn valid_name(name: &str, what: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(GroupError::Invalid(format!("{what} must be 1 to 100 characters")));
    }
    Ok(name.to_owned())
}

fn valid_description(description: &str) -> Result<String> {
    if description.chars().count() > 2000 {
        return Err(GroupError::Invalid("description must be at most 2000 characters".into()));
    }
    Ok(description.trim().to_owned())
}
