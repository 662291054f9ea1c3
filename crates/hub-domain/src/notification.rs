//! What a user is told: notifications created by groups, the token store and core, stored and
//! delivered by the user's notifications object.

use crate::UserId;
use serde::{Deserialize, Serialize};

/// Every kind of notification the hub sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum NotificationKind {
    InvitationReceived,
    JoinRequestReceived,
    RequestApproved,
    RequestRejected,
    RemovedFromGroup,
    MadeAdmin,
    OwnershipTransferred,
    GroupAnnouncement,
    GroupDeleted,
    TokenInvalid,
    CharacterTransferred,
    /// A director of a corporation left the rotation (it left the corporation or lost the role).
    DirectorRemoved,
    /// The user's Discord grant stopped working: link Discord again.
    DiscordNeedsRelink,
    /// Site admins: the Discord bot used half of its invalid-request budget.
    DiscordInvalidRequests,
}

/// A notification to store and deliver to one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: NotificationKind,
    /// One line for a toast.
    pub title: String,
    /// Ids the web app links to (group id, character id...).
    pub data: serde_json::Value,
}
