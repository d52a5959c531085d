//! Content Studio (`integration.md` 3.3): content items found through the course content
//! extension, their metadata, and per-user interactions (extension, windowed).

use super::{Pull, PullContext, dedup_by_key, each, user_list};
use crate::contracts::{ContentInteraction as Interaction, ContentMetadata, CourseContent};
use crate::transport::{Get, Transport};
use la_domain::model::*;
use la_domain::*;
use std::collections::BTreeMap;
use std::sync::Arc;

fn content_type(text: &str) -> ContentType {
    ContentType::parse(&text.trim().to_ascii_lowercase()).unwrap_or(ContentType::Other)
}

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let rid = ctx.request_id.as_str();
    let listed = each(ctx.course_ids(), ctx.concurrency, &mut pull, |course| {
        let t = t.clone();
        async move {
            let template = "/courses/{courseId}/content";
            let get = Get::new(template, format!("/courses/{course}/content")).extension();
            t.get_list::<CourseContent>(&get, rid).await
        }
    })
    .await;
    if pull.stopped {
        return pull;
    }
    // content id -> (course, module) as listed.
    let mut content: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for item in &ctx.roster.content_items {
        content.insert(item.upstream_id(), (String::new(), None));
    }
    for (course, list) in listed {
        for c in list {
            content.insert(c.id.0, (course.clone(), c.module_id.map(|m| m.0)));
        }
    }
    let ids: Vec<String> = content.keys().cloned().collect();
    let metadata = each(ids, ctx.concurrency, &mut pull, |id| {
        let t = t.clone();
        async move {
            let template = "/content/{contentId}/metadata";
            let get = Get::new(template, format!("/content/{id}/metadata"));
            t.get_json::<ContentMetadata>(&get, rid).await
        }
    })
    .await;
    for (id, meta) in metadata {
        let Some(meta) = meta else { continue };
        let (course, module) = content.get(&id).cloned().unwrap_or_default();
        let course = meta
            .course_id
            .map(|c| c.0)
            .or((!course.is_empty()).then_some(course));
        let module = meta.module_id.map(|m| m.0).or(module);
        let Ok(item_id) = ContentId::from_external(&meta.id.0) else {
            pull.unmappable += 1;
            continue;
        };
        pull.data.content_items.push(ContentItem {
            id: item_id,
            external_id: Some(meta.id.0),
            course_id: course.and_then(|c| CourseId::from_external(&c).ok()),
            module_id: module.and_then(|m| ModuleId::from_external(&m).ok()),
            title: meta.title,
            content_type: content_type(&meta.content_type),
            creation_method: meta
                .creation_method
                .and_then(|m| CreationMethod::parse(&m.to_ascii_lowercase()).ok())
                .unwrap_or(CreationMethod::Manual),
            created_by: None,
            created_at: meta.created_at.map(|t| t.0).unwrap_or(ctx.now).min(ctx.now),
            owner_org_id: None,
        });
    }
    if pull.stopped {
        return pull;
    }
    let interactions = each(ctx.user_ids(), ctx.concurrency, &mut pull, |user| {
        let t = t.clone();
        async move {
            user_list::<Interaction>(
                &t,
                ctx,
                "/users/{userId}/content-interactions",
                &user,
                true,
                true,
            )
            .await
        }
    })
    .await;
    let mut rows = Vec::new();
    for (user, list) in interactions {
        let Ok(user_id) = UserId::from_external(&user) else {
            pull.unmappable += 1;
            continue;
        };
        for i in list {
            let Ok(content_id) = ContentId::from_external(&i.content_id.0) else {
                pull.unmappable += 1;
                continue;
            };
            let completed = i.completed.unwrap_or(i.completed_at.is_some());
            rows.push(ContentInteraction {
                user_id,
                content_id,
                started_at: i.started_at.0,
                last_interaction_at: i
                    .last_interaction_at
                    .map(|t| t.0)
                    .unwrap_or(i.started_at.0)
                    .max(i.started_at.0),
                duration_seconds: i.duration_seconds.unwrap_or(0.0).max(0.0),
                progress_pct: i
                    .progress
                    .unwrap_or(if completed { 100.0 } else { 0.0 })
                    .clamp(0.0, 100.0),
                completed,
                completed_at: i.completed_at.map(|t| t.0),
            });
        }
    }
    pull.data.content_interactions =
        dedup_by_key(rows, |r| (r.user_id, r.content_id, r.started_at));
    pull
}
