//! The `Accounts` interface as the core worker serves it.

use hub_accounts::accounts::{self, AccountError};
use hub_accounts::audit::{self, Entry};
use hub_accounts::rpc::{AccountsHandler, Affiliation, CharacterSold, TouchSession};
use hub_accounts::session::{self, SessionPolicy};
use hub_app::{internal, Context};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::UserId;
use hub_http::ApiError;

/// The accounts interface over a request's context: what the core worker serves.
pub struct AccountsService<'a, C> {
    pub ctx: &'a C,
}

impl<C: Context> AccountsHandler for AccountsService<'_, C> {
    async fn touch_session(&self, request: TouchSession) -> Result<(), ApiError> {
        let pg = self.ctx.postgres().await?;
        session::touch(pg, self.ctx.clock(), &SessionPolicy::default(), request.session_id)
            .await
            .map_err(internal)
    }

    async fn record_affiliation(&self, request: Affiliation) -> Result<Option<UserId>, ApiError> {
        let pg = self.ctx.postgres().await?;
        let owner = accounts::record_affiliation(
            pg,
            request.character_id,
            request.corporation_id,
            request.alliance_id,
        )
        .await
        .map_err(internal)?;
        hub_entitlements::users_changed(self.ctx, owner).await;
        Ok(owner)
    }

    async fn character_sold(&self, request: CharacterSold) -> Result<Option<UserId>, ApiError> {
        let pg = self.ctx.postgres().await?;
        let sold =
            accounts::character_sold(pg, self.ctx.clock(), request.character_id, &request.new_owner_hash)
                .await
                .map_err(|e: AccountError| internal(e))?;
        let Some((previous_owner, ended)) = sold else { return Ok(None) };
        tracing::info!(character = %request.character_id, previous_user = %previous_owner, "character transfer recorded");
        hub_notify::rpc::end_sessions(self.ctx, ended.by_user()).await;
        hub_entitlements::users_changed(self.ctx, [previous_owner]).await;
        let notification = NewNotification {
            user_id: previous_owner,
            kind: NotificationKind::CharacterTransferred,
            title: "A character of yours was transferred to another account owner".into(),
            data: serde_json::json!({ "character_id": request.character_id }),
        };
        hub_notify::deliver(self.ctx, vec![notification]).await;
        Ok(Some(previous_owner))
    }

    async fn audit(&self, entry: Entry) -> Result<(), ApiError> {
        let pg = self.ctx.postgres().await?;
        audit::record(pg, &entry).await.map_err(internal)
    }
}
