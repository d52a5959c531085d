//! RAG Assistant (`integration.md` 3.8): each `user` message of the chat history is one help
//! request; only the last 90 days are kept, and nothing of the message itself (2.3).

use super::{Pull, PullContext, dedup_by_key, each, user_list};
use crate::contracts::ChatMessage;
use crate::transport::Transport;
use chrono::Duration;
use la_domain::model::*;
use la_domain::*;
use std::sync::Arc;

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let history = each(ctx.user_ids(), ctx.concurrency, &mut pull, |user| {
        let t = t.clone();
        async move {
            user_list::<ChatMessage>(&t, ctx, "/users/{userId}/chat-history", &user, false, false)
                .await
        }
    })
    .await;
    let oldest = ctx.now - Duration::days(90);
    let mut rows = Vec::new();
    for (_, list) in history {
        for m in list {
            if m.kind != "user" || m.timestamp.0 < oldest {
                continue;
            }
            let Ok(user_id) = UserId::from_external(&m.user_id.0) else {
                pull.unmappable += 1;
                continue;
            };
            rows.push(HelpRequest {
                user_id,
                occurred_at: m.timestamp.0,
                course_id: None,
            });
        }
    }
    pull.data.help_requests = dedup_by_key(rows, |r| (r.user_id, r.occurred_at));
    pull
}
