//! The read side of `records.rs`: every entity decoded from the columns of its
//! [`Record::COLUMNS`](crate::records::Record::COLUMNS), in that order, through a small
//! dialect-neutral cursor ([`Cells`]). Each backend implements `Cells` for its rows; the
//! decoders below are written once. Round-trip tests (write a dataset, read it back, compare)
//! keep the two sides in step.

use chrono::{DateTime, NaiveDate, Utc};
use la_app::ports::StoreError;
use la_domain::ids::*;
use la_domain::model::*;
use serde::de::DeserializeOwned;
use uuid::Uuid;

pub(crate) type DecodeResult<T> = Result<T, StoreError>;

/// Reads the columns of one row left to right.
pub(crate) trait Cells {
    fn opt_uuid(&mut self) -> DecodeResult<Option<Uuid>>;
    fn opt_text(&mut self) -> DecodeResult<Option<String>>;
    fn opt_i64(&mut self) -> DecodeResult<Option<i64>>;
    fn opt_f64(&mut self) -> DecodeResult<Option<f64>>;
    fn opt_bool(&mut self) -> DecodeResult<Option<bool>>;
    fn opt_ts(&mut self) -> DecodeResult<Option<DateTime<Utc>>>;
    fn opt_date(&mut self) -> DecodeResult<Option<NaiveDate>>;
    fn opt_json(&mut self) -> DecodeResult<Option<serde_json::Value>>;
    /// A `bytea` / BLOB column.
    fn opt_bytes(&mut self) -> DecodeResult<Option<Vec<u8>>>;
    /// The name of the column just read (for error messages).
    fn last_column(&self) -> String;

    fn required<T>(&mut self, value: Option<T>) -> DecodeResult<T> {
        value.ok_or_else(|| StoreError::Corrupt(format!("{} is NULL", self.last_column())))
    }
    fn uuid(&mut self) -> DecodeResult<Uuid> {
        let v = self.opt_uuid()?;
        self.required(v)
    }
    fn text(&mut self) -> DecodeResult<String> {
        let v = self.opt_text()?;
        self.required(v)
    }
    fn f64(&mut self) -> DecodeResult<f64> {
        let v = self.opt_f64()?;
        self.required(v)
    }
    fn i32(&mut self) -> DecodeResult<i32> {
        let v = self.opt_i64()?;
        let v = self.required(v)?;
        i32::try_from(v)
            .map_err(|_| StoreError::Corrupt(format!("{} out of range", self.last_column())))
    }
    fn bool(&mut self) -> DecodeResult<bool> {
        let v = self.opt_bool()?;
        self.required(v)
    }
    fn ts(&mut self) -> DecodeResult<DateTime<Utc>> {
        let v = self.opt_ts()?;
        self.required(v)
    }
    fn date(&mut self) -> DecodeResult<NaiveDate> {
        let v = self.opt_date()?;
        self.required(v)
    }
    fn json<T: DeserializeOwned>(&mut self) -> DecodeResult<T> {
        let v = self.opt_json()?;
        let v = self.required(v)?;
        serde_json::from_value(v)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.last_column())))
    }
    fn opt_json_as<T: DeserializeOwned>(&mut self) -> DecodeResult<Option<T>> {
        match self.opt_json()? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.last_column()))),
        }
    }
    fn level(&mut self) -> DecodeResult<SkillLevel> {
        let v = self.opt_level()?;
        self.required(v)
    }
    fn opt_level(&mut self) -> DecodeResult<Option<SkillLevel>> {
        match self.opt_i64()? {
            None => Ok(None),
            Some(v) => SkillLevel::new(v)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.last_column()))),
        }
    }
    fn parsed<T, E: std::fmt::Display>(
        &mut self,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> DecodeResult<T> {
        let text = self.text()?;
        parse(&text).map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.last_column())))
    }
    fn opt_parsed<T, E: std::fmt::Display>(
        &mut self,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> DecodeResult<Option<T>> {
        match self.opt_text()? {
            None => Ok(None),
            Some(text) => parse(&text)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.last_column()))),
        }
    }
}

/// An entity that can be read back from its columns.
pub(crate) trait Decode: Sized {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self>;
}

impl Decode for Organization {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Organization {
            id: OrgId(c.uuid()?),
            external_id: c.opt_text()?,
            name: c.text()?,
            timezone: c.opt_text()?,
            settings: c.json()?,
        })
    }
}

impl Decode for Department {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Department {
            id: DepartmentId(c.uuid()?),
            org_id: OrgId(c.uuid()?),
            parent_id: c.opt_uuid()?.map(DepartmentId),
            name: c.text()?,
        })
    }
}

impl Decode for Team {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Team {
            id: TeamId(c.uuid()?),
            org_id: OrgId(c.uuid()?),
            parent_id: c.opt_uuid()?.map(DepartmentId),
            name: c.text()?,
        })
    }
}

impl Decode for User {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(User {
            id: UserId(c.uuid()?),
            external_id: c.opt_text()?,
            org_id: c.opt_uuid()?.map(OrgId),
            department_id: c.opt_uuid()?.map(DepartmentId),
            team_id: c.opt_uuid()?.map(TeamId),
            display_name: c.text()?,
            email: c.opt_text()?,
            roles: c.json()?,
            timezone: c.opt_text()?,
            competency_level: c.level()?,
            is_active: c.bool()?,
            created_at: c.ts()?,
        })
    }
}

impl Decode for Session {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Session {
            id: SessionId(c.uuid()?),
            user_id: UserId(c.uuid()?),
            started_at: c.ts()?,
            ended_at: c.opt_ts()?,
            last_activity_at: c.opt_ts()?,
            device: c.opt_text()?,
            course_id: c.opt_uuid()?.map(CourseId),
        })
    }
}

impl Decode for Skill {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Skill {
            id: SkillId(c.uuid()?),
            name: c.text()?,
            category: c.text()?,
            prerequisite_skill_ids: c.json()?,
        })
    }
}

impl Decode for Course {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Course {
            id: CourseId(c.uuid()?),
            external_id: c.opt_text()?,
            title: c.text()?,
            category: c.text()?,
            owner_org_id: c.opt_uuid()?.map(OrgId),
            trainer_ids: c.json()?,
            is_active: c.bool()?,
            created_at: c.ts()?,
            updated_at: c.ts()?,
            estimated_duration_weeks: c.opt_f64()?,
            target_completion_rate: c.opt_f64()?,
            issues_certificate: c.bool()?,
            taught_skills: c.json()?,
        })
    }
}

impl Decode for Module {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Module {
            id: ModuleId(c.uuid()?),
            course_id: CourseId(c.uuid()?),
            order: c.i32()?,
            name: c.text()?,
            estimated_hours: c.opt_f64()?,
            topic_id: c.opt_uuid()?.map(TopicId),
            skill_ids: c.json()?,
        })
    }
}

impl Decode for Enrollment {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Enrollment {
            id: EnrollmentId(c.uuid()?),
            user_id: UserId(c.uuid()?),
            course_id: CourseId(c.uuid()?),
            enrolled_at: c.ts()?,
            status: c.parsed(EnrollmentStatus::parse)?,
            progress_pct: c.f64()?,
            completed_at: c.opt_ts()?,
            last_activity_at: c.opt_ts()?,
            assignment_type: c.parsed(AssignmentType::parse)?,
            due_date: c.opt_date()?,
        })
    }
}

impl Decode for ModuleProgress {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(ModuleProgress {
            user_id: UserId(c.uuid()?),
            module_id: ModuleId(c.uuid()?),
            started_at: c.opt_ts()?,
            completed_at: c.opt_ts()?,
            progress_pct: c.f64()?,
            time_spent_minutes: c.f64()?,
        })
    }
}

impl Decode for Assessment {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Assessment {
            id: AssessmentId(c.uuid()?),
            course_id: c.opt_uuid()?.map(CourseId),
            module_id: c.opt_uuid()?.map(ModuleId),
            kind: c.parsed(AssessmentKind::parse)?,
            max_score: c.f64()?,
            pass_threshold: c.opt_f64()?,
            required: c.bool()?,
            topic_id: c.opt_uuid()?.map(TopicId),
            skill_ids: c.json()?,
            due_at: c.opt_ts()?,
        })
    }
}

impl Decode for AssessmentAttempt {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(AssessmentAttempt {
            id: AttemptId(c.uuid()?),
            assessment_id: AssessmentId(c.uuid()?),
            user_id: UserId(c.uuid()?),
            attempt_no: c.i32()?,
            started_at: c.ts()?,
            submitted_at: c.ts()?,
            duration_minutes: c.f64()?,
            score: c.f64()?,
            max_score: c.f64()?,
            passed: c.bool()?,
            question_results: c.opt_json_as()?,
        })
    }
}

impl Decode for UserSkill {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(UserSkill {
            user_id: UserId(c.uuid()?),
            skill_id: SkillId(c.uuid()?),
            current_level: c.level()?,
            acquired: c.bool()?,
            acquired_at: c.opt_ts()?,
            acquired_via: c.opt_parsed(AcquiredVia::parse)?,
            updated_at: c.ts()?,
        })
    }
}

impl Decode for SkillTarget {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(SkillTarget {
            user_id: UserId(c.uuid()?),
            skill_id: SkillId(c.uuid()?),
            target_level: c.level()?,
            source: c.parsed(TargetSource::parse)?,
            business_priority: c.parsed(BusinessPriority::parse)?,
            business_justification: c.opt_text()?,
            deadline: c.opt_date()?,
        })
    }
}

impl Decode for SkillDemand {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(SkillDemand {
            skill_id: SkillId(c.uuid()?),
            as_of: c.date()?,
            market_demand: c.f64()?,
            market_trend: c.opt_text()?,
        })
    }
}

impl Decode for LearningPath {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(LearningPath {
            id: PathId(c.uuid()?),
            name: c.text()?,
            difficulty: c.parsed(Difficulty::parse)?,
            target_competency: c.opt_level()?,
            topics: c.json()?,
        })
    }
}

impl Decode for UserLearningPath {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(UserLearningPath {
            user_id: UserId(c.uuid()?),
            path_id: PathId(c.uuid()?),
            status: c.parsed(PathStatus::parse)?,
            started_at: c.ts()?,
            target_date: c.opt_date()?,
            topics_total: c.i32()?,
            topics_completed: c.i32()?,
            progress_pct: c.f64()?,
            completed_at: c.opt_ts()?,
            last_activity_at: c.ts()?,
        })
    }
}

impl Decode for TopicCompletion {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(TopicCompletion {
            user_id: UserId(c.uuid()?),
            path_id: PathId(c.uuid()?),
            topic_id: TopicId(c.uuid()?),
            completed_at: c.ts()?,
        })
    }
}

impl Decode for ContentItem {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(ContentItem {
            id: ContentId(c.uuid()?),
            external_id: c.opt_text()?,
            course_id: c.opt_uuid()?.map(CourseId),
            module_id: c.opt_uuid()?.map(ModuleId),
            title: c.text()?,
            content_type: c.parsed(ContentType::parse)?,
            creation_method: c.parsed(CreationMethod::parse)?,
            created_by: c.opt_uuid()?.map(UserId),
            created_at: c.ts()?,
            owner_org_id: c.opt_uuid()?.map(OrgId),
        })
    }
}

impl Decode for ContentInteraction {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(ContentInteraction {
            user_id: UserId(c.uuid()?),
            content_id: ContentId(c.uuid()?),
            started_at: c.ts()?,
            last_interaction_at: c.ts()?,
            duration_seconds: c.f64()?,
            progress_pct: c.f64()?,
            completed: c.bool()?,
            completed_at: c.opt_ts()?,
        })
    }
}

impl Decode for ContentShare {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(ContentShare {
            content_id: ContentId(c.uuid()?),
            shared_by: UserId(c.uuid()?),
            shared_at: c.ts()?,
        })
    }
}

impl Decode for HelpRequest {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(HelpRequest {
            user_id: UserId(c.uuid()?),
            occurred_at: c.ts()?,
            course_id: c.opt_uuid()?.map(CourseId),
        })
    }
}

impl Decode for PracticeSubmission {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(PracticeSubmission {
            id: SubmissionId(c.uuid()?),
            user_id: UserId(c.uuid()?),
            topic_id: c.opt_uuid()?.map(TopicId),
            skill_ids: c.json()?,
            started_at: c.ts()?,
            completed_at: c.opt_ts()?,
            status: c.parsed(PracticeStatus::parse)?,
            passed: c.bool()?,
            score: c.opt_f64()?,
            duration_minutes: c.f64()?,
        })
    }
}

impl Decode for CourseReview {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(CourseReview {
            id: ReviewId(c.uuid()?),
            course_id: CourseId(c.uuid()?),
            trainer_id: c.opt_uuid()?.map(UserId),
            user_id: UserId(c.uuid()?),
            rating: c.i32()?,
            comment: c.opt_text()?,
            tags: c.json()?,
            created_at: c.ts()?,
        })
    }
}

impl Decode for Kpi {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(Kpi {
            id: KpiId(c.uuid()?),
            org_id: OrgId(c.uuid()?),
            department_id: c.opt_uuid()?.map(DepartmentId),
            name: c.text()?,
            target: c.f64()?,
            achieved: c.f64()?,
            weight: c.f64()?,
            linked_skill_ids: c.json()?,
            period_start: c.date()?,
            period_end: c.date()?,
        })
    }
}

impl Decode for ValueProposition {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(ValueProposition {
            id: ValuePropId(c.uuid()?),
            org_id: OrgId(c.uuid()?),
            period_start: c.date()?,
            period_end: c.opt_date()?,
            skills: c.json()?,
            applies_to: c.opt_json_as()?,
        })
    }
}

impl Decode for MentoringEvent {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(MentoringEvent {
            org_id: OrgId(c.uuid()?),
            user_id: UserId(c.uuid()?),
            kind: c.parsed(MentoringKind::parse)?,
            occurred_at: c.ts()?,
        })
    }
}

impl Decode for UpstreamRecommendation {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(UpstreamRecommendation {
            id: RecommendationId(c.uuid()?),
            user_id: UserId(c.uuid()?),
            kind: c.parsed(RecommendationKind::parse)?,
            target_id: c.text()?,
            reason: c.text()?,
            created_at: c.ts()?,
            expires_at: c.opt_ts()?,
        })
    }
}
