//! Static vocabulary of the demo world: people's names, skills, courses, paths, departments
//! and review texts. Everything is ASCII so that names can become e-mail addresses.

/// Given names (ASCII, no apostrophes: they become e-mail local parts).
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Amelia", "Noah", "Isla", "Oliver", "Ava", "George", "Mia", "Arthur", "Ivy",
    "Leo", "Freya", "Oscar", "Lily", "Harry", "Grace", "Jack", "Ella", "Charlie", "Sophia", "Theo",
    "Chloe", "Finn", "Emily", "Henry", "Ruby", "Jacob", "Alice", "Thomas", "Hannah", "Samuel",
    "Maya", "Daniel", "Zara", "Lucas", "Nina", "Adam", "Layla", "Omar", "Priya", "Arjun", "Mei",
    "Wei", "Sofia", "Mateo", "Aisha", "Yusuf", "Elena", "Marco", "Ingrid", "Lars", "Hana", "Kenji",
    "Fatima", "Ibrahim", "Clara", "Felix", "Nora", "Erik",
];

/// Family names.
pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards",
    "Green", "Hall", "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner",
    "Hill", "Scott", "Cooper", "Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison",
    "Morgan", "Patel", "Young", "Allen", "Mitchell", "James", "Anderson", "Phillips", "Lee",
    "Bell", "Parker", "Davis", "Khan", "Singh", "Chen", "Nguyen", "Garcia", "Rossi", "Novak",
    "Larsen", "Kowalski", "Silva",
];

/// Skill categories of the skill catalogue, in the order skills are drawn from them.
pub(crate) const SKILL_CATEGORIES: &[&str] = &[
    "Programming",
    "Web Development",
    "Data & Analytics",
    "AI & Machine Learning",
    "Cloud & DevOps",
    "Security",
    "Leadership",
    "Project Management",
    "Communication",
    "Business Analysis",
    "Finance",
    "Design & UX",
];

/// Skills per category (index as in [`SKILL_CATEGORIES`]), from foundational to advanced so
/// that an earlier skill of a category is a plausible prerequisite of a later one.
pub(crate) const SKILLS: &[&[&str]] = &[
    &[
        "Python",
        "JavaScript",
        "TypeScript",
        "SQL",
        "Git",
        "Java",
        "Go",
        "Rust",
    ],
    &[
        "HTML & CSS",
        "React",
        "Node.js",
        "REST API Design",
        "Testing Automation",
        "Web Accessibility",
        "GraphQL",
        "Web Performance",
    ],
    &[
        "Data Literacy",
        "Data Visualization",
        "Statistics",
        "Data Modelling",
        "Power BI",
        "ETL Pipelines",
        "A/B Testing",
        "Excel Modelling",
    ],
    &[
        "Prompt Engineering",
        "Machine Learning Fundamentals",
        "Responsible AI",
        "Feature Engineering",
        "Deep Learning",
        "NLP",
        "MLOps",
        "Computer Vision",
    ],
    &[
        "Linux Administration",
        "AWS Fundamentals",
        "Docker",
        "CI/CD",
        "Terraform",
        "Kubernetes",
        "Observability",
        "Azure Fundamentals",
    ],
    &[
        "Security Awareness",
        "Data Protection (GDPR)",
        "Secure Coding",
        "Identity & Access Management",
        "Threat Modelling",
        "Incident Response",
        "Cloud Security",
        "Network Security",
    ],
    &[
        "Giving Feedback",
        "Coaching",
        "Delegation",
        "Team Building",
        "Decision Making",
        "Strategic Thinking",
        "Change Management",
        "Conflict Resolution",
    ],
    &[
        "Agile & Scrum",
        "Kanban",
        "Stakeholder Management",
        "Risk Management",
        "Estimation",
        "OKRs",
        "Roadmapping",
        "Budget Planning",
    ],
    &[
        "Business Writing",
        "Presentation Skills",
        "Active Listening",
        "Public Speaking",
        "Negotiation",
        "Storytelling with Data",
        "Facilitation",
        "Cross-cultural Communication",
    ],
    &[
        "Requirements Analysis",
        "User Story Writing",
        "Process Mapping",
        "Root Cause Analysis",
        "Customer Journey Mapping",
        "Business Case Writing",
        "Market Research",
        "Product Discovery",
    ],
    &[
        "Financial Literacy",
        "Budgeting & Forecasting",
        "Unit Economics",
        "Cost Optimisation (FinOps)",
        "Financial Modelling",
        "Pricing Strategy",
        "Procurement Basics",
        "Revenue Operations",
    ],
    &[
        "UX Research",
        "Wireframing",
        "Prototyping",
        "Figma",
        "Usability Testing",
        "Design Systems",
        "Visual Design",
        "Interaction Design",
    ],
];

/// A course category and the skill categories (indices into [`SKILL_CATEGORIES`]) its
/// courses teach.
pub(crate) struct CourseCategory {
    pub name: &'static str,
    pub skill_categories: &'static [usize],
    /// Tags of assessment questions in this category (for strength/improvement areas).
    pub question_tags: &'static [&'static str],
}

pub(crate) const COURSE_CATEGORIES: &[CourseCategory] = &[
    CourseCategory {
        name: "Security",
        skill_categories: &[5],
        question_tags: &["threats", "policies", "access-control", "incident-handling"],
    },
    CourseCategory {
        name: "Software Development",
        skill_categories: &[0, 1],
        question_tags: &["syntax", "debugging", "testing", "design-patterns"],
    },
    CourseCategory {
        name: "Data & AI",
        skill_categories: &[2, 3],
        question_tags: &["statistics", "data-cleaning", "visualisation", "modelling"],
    },
    CourseCategory {
        name: "Cloud & DevOps",
        skill_categories: &[4],
        question_tags: &["networking", "containers", "automation", "monitoring"],
    },
    CourseCategory {
        name: "Leadership & Management",
        skill_categories: &[6, 7],
        question_tags: &["feedback", "planning", "prioritisation", "team-dynamics"],
    },
    CourseCategory {
        name: "Business & Communication",
        skill_categories: &[8, 9, 10],
        question_tags: &["structure", "audience", "analysis", "numbers"],
    },
    CourseCategory {
        name: "Design & UX",
        skill_categories: &[11, 1],
        question_tags: &["research", "accessibility", "layout", "user-testing"],
    },
];

/// A course title, its category (index into [`COURSE_CATEGORIES`]) and the skills it teaches
/// (names from [`SKILLS`]; names outside the generated skill set are skipped).
pub(crate) struct CourseTemplate {
    pub title: &'static str,
    pub category: usize,
    pub skills: &'static [&'static str],
}

const fn course(
    title: &'static str,
    category: usize,
    skills: &'static [&'static str],
) -> CourseTemplate {
    CourseTemplate {
        title,
        category,
        skills,
    }
}

/// Course templates per category; courses are drawn round-robin over the categories, so the
/// first course is the organisation-wide mandatory "Information Security Awareness".
pub(crate) const COURSES: &[&[CourseTemplate]] = &[
    &[
        course(
            "Information Security Awareness",
            0,
            &["Security Awareness", "Data Protection (GDPR)"],
        ),
        course(
            "Secure Coding Practices",
            0,
            &["Secure Coding", "Threat Modelling"],
        ),
        course("Threat Modelling Workshop", 0, &["Threat Modelling"]),
        course(
            "Incident Response Essentials",
            0,
            &["Incident Response", "Network Security"],
        ),
        course(
            "Identity & Access Management in Practice",
            0,
            &["Identity & Access Management", "Cloud Security"],
        ),
        course(
            "GDPR & Data Protection Essentials",
            0,
            &["Data Protection (GDPR)"],
        ),
        course(
            "Cloud Security Foundations",
            0,
            &["Cloud Security", "AWS Fundamentals"],
        ),
    ],
    &[
        course("Python Fundamentals", 1, &["Python", "Git"]),
        course("Modern JavaScript", 1, &["JavaScript", "HTML & CSS"]),
        course("TypeScript in Depth", 1, &["TypeScript", "JavaScript"]),
        course("React for Product Teams", 1, &["React", "TypeScript"]),
        course("Designing REST APIs", 1, &["REST API Design", "Node.js"]),
        course(
            "Test Automation with Playwright",
            1,
            &["Testing Automation", "JavaScript"],
        ),
        course("Go for Backend Services", 1, &["Go", "REST API Design"]),
        course("Git & Collaborative Workflows", 1, &["Git"]),
    ],
    &[
        course(
            "Data Literacy for Everyone",
            2,
            &["Data Literacy", "Data Visualization"],
        ),
        course("SQL for Analysts", 2, &["SQL", "Data Modelling"]),
        course(
            "Dashboards with Power BI",
            2,
            &["Power BI", "Data Visualization"],
        ),
        course(
            "Statistics for Decision Making",
            2,
            &["Statistics", "A/B Testing"],
        ),
        course(
            "Machine Learning Foundations",
            2,
            &[
                "Machine Learning Fundamentals",
                "Python",
                "Feature Engineering",
            ],
        ),
        course(
            "Prompt Engineering for Work",
            2,
            &["Prompt Engineering", "Responsible AI"],
        ),
        course("Building Data Pipelines", 2, &["ETL Pipelines", "SQL"]),
        course("Responsible AI in Practice", 2, &["Responsible AI"]),
    ],
    &[
        course("AWS Cloud Practitioner Prep", 3, &["AWS Fundamentals"]),
        course("Docker from Zero", 3, &["Docker", "Linux Administration"]),
        course(
            "Kubernetes in Production",
            3,
            &["Kubernetes", "Docker", "Observability"],
        ),
        course(
            "Infrastructure as Code with Terraform",
            3,
            &["Terraform", "AWS Fundamentals"],
        ),
        course("CI/CD Pipelines", 3, &["CI/CD", "Git"]),
        course("Linux for Engineers", 3, &["Linux Administration"]),
        course(
            "Observability & SRE Basics",
            3,
            &["Observability", "Incident Response"],
        ),
    ],
    &[
        course(
            "First-Time Manager Bootcamp",
            4,
            &["Delegation", "Giving Feedback", "Team Building"],
        ),
        course(
            "Coaching Conversations",
            4,
            &["Coaching", "Active Listening"],
        ),
        course(
            "Leading Through Change",
            4,
            &["Change Management", "Strategic Thinking"],
        ),
        course("Agile Team Leadership", 4, &["Agile & Scrum", "Kanban"]),
        course("OKRs That Work", 4, &["OKRs", "Roadmapping"]),
        course(
            "Stakeholder Management",
            4,
            &["Stakeholder Management", "Negotiation"],
        ),
        course(
            "Decision Making Under Uncertainty",
            4,
            &["Decision Making", "Risk Management"],
        ),
    ],
    &[
        course(
            "Presentation Skills Masterclass",
            5,
            &["Presentation Skills", "Public Speaking"],
        ),
        course("Business Writing That Gets Read", 5, &["Business Writing"]),
        course("Negotiation Fundamentals", 5, &["Negotiation"]),
        course(
            "Storytelling with Data",
            5,
            &["Storytelling with Data", "Data Visualization"],
        ),
        course(
            "Requirements Analysis",
            5,
            &["Requirements Analysis", "User Story Writing"],
        ),
        course(
            "Financial Literacy for Non-Finance Managers",
            5,
            &["Financial Literacy", "Budgeting & Forecasting"],
        ),
        course(
            "Process Mapping & Improvement",
            5,
            &["Process Mapping", "Root Cause Analysis"],
        ),
    ],
    &[
        course(
            "UX Research Methods",
            6,
            &["UX Research", "Customer Journey Mapping"],
        ),
        course(
            "Prototyping in Figma",
            6,
            &["Prototyping", "Figma", "Wireframing"],
        ),
        course(
            "Design Systems 101",
            6,
            &["Design Systems", "Visual Design"],
        ),
        course("Usability Testing in Practice", 6, &["Usability Testing"]),
        course(
            "Accessible Design",
            6,
            &["Web Accessibility", "Interaction Design"],
        ),
    ],
];

/// Module names, in course order (a course of `n` modules uses the first `n - 1` and then
/// the last one).
pub(crate) const MODULE_NAMES: &[&str] = &[
    "Getting started",
    "Core concepts",
    "Hands-on fundamentals",
    "Working with real examples",
    "Patterns and good practice",
    "Troubleshooting and pitfalls",
    "Advanced techniques",
    "Capstone project",
];

/// A learning path: name, difficulty index (0 beginner .. 3 expert), target competency and
/// the skill categories its topics come from.
pub(crate) struct PathTemplate {
    pub name: &'static str,
    pub difficulty: usize,
    pub target_competency: u8,
    pub skill_categories: &'static [usize],
}

pub(crate) const PATHS: &[PathTemplate] = &[
    PathTemplate {
        name: "Full-Stack Developer",
        difficulty: 1,
        target_competency: 3,
        skill_categories: &[0, 1],
    },
    PathTemplate {
        name: "Data Analyst",
        difficulty: 0,
        target_competency: 2,
        skill_categories: &[2, 0],
    },
    PathTemplate {
        name: "Cloud Engineer",
        difficulty: 2,
        target_competency: 3,
        skill_categories: &[4],
    },
    PathTemplate {
        name: "Security Champion",
        difficulty: 1,
        target_competency: 3,
        skill_categories: &[5],
    },
    PathTemplate {
        name: "Emerging Leader",
        difficulty: 0,
        target_competency: 2,
        skill_categories: &[6, 8],
    },
    PathTemplate {
        name: "Product Manager",
        difficulty: 1,
        target_competency: 3,
        skill_categories: &[7, 9],
    },
    PathTemplate {
        name: "Machine Learning Engineer",
        difficulty: 3,
        target_competency: 4,
        skill_categories: &[3, 2],
    },
    PathTemplate {
        name: "Business Finance Essentials",
        difficulty: 0,
        target_competency: 2,
        skill_categories: &[10, 9],
    },
];

/// Topic name patterns; `{}` is the topic's main skill.
pub(crate) const TOPIC_PATTERNS: &[&str] = &[
    "{} essentials",
    "Applied {}",
    "{} in practice",
    "{} deep dive",
    "{} for teams",
];

/// A department template: name, team names, and the course categories (indices into
/// [`COURSE_CATEGORIES`]) its people gravitate to.
pub(crate) struct DepartmentTemplate {
    pub name: &'static str,
    pub teams: &'static [&'static str],
    pub course_categories: &'static [usize],
}

pub(crate) const MAIN_DEPARTMENTS: &[DepartmentTemplate] = &[
    DepartmentTemplate {
        name: "Engineering",
        teams: &["Platform", "Web", "Mobile"],
        course_categories: &[1, 3, 0],
    },
    DepartmentTemplate {
        name: "Data & Analytics",
        teams: &["Data Engineering", "BI & Reporting"],
        course_categories: &[2, 1],
    },
    DepartmentTemplate {
        name: "Sales & Customer Success",
        teams: &["Enterprise Sales", "Customer Success", "Solutions"],
        course_categories: &[5, 4],
    },
    DepartmentTemplate {
        name: "Operations",
        teams: &["Service Delivery", "Security Operations"],
        course_categories: &[0, 3, 4],
    },
    DepartmentTemplate {
        name: "Product & Design",
        teams: &["Product Management", "UX"],
        course_categories: &[6, 4, 5],
    },
    DepartmentTemplate {
        name: "Finance",
        teams: &["Controlling", "Procurement", "FP&A"],
        course_categories: &[5, 2],
    },
    DepartmentTemplate {
        name: "People & Culture",
        teams: &["Talent", "L&D"],
        course_categories: &[4, 5],
    },
    DepartmentTemplate {
        name: "Marketing",
        teams: &["Growth", "Brand", "Content"],
        course_categories: &[5, 6, 2],
    },
];

pub(crate) const SECOND_DEPARTMENTS: &[DepartmentTemplate] = &[
    DepartmentTemplate {
        name: "Client Services",
        teams: &["Advisory", "Delivery"],
        course_categories: &[5, 2],
    },
    DepartmentTemplate {
        name: "Technology",
        teams: &["Infrastructure", "Applications"],
        course_categories: &[3, 1, 0],
    },
];

/// KPI templates: name, target, and the achievement ratio the demo reports (so that on-track,
/// at-risk and off-track KPIs all occur).
pub(crate) const KPIS: &[(&str, f64, f64)] = &[
    ("Release frequency (deployments per week)", 12.0, 0.92),
    ("Customer satisfaction (CSAT, %)", 90.0, 0.86),
    ("Data-informed decisions (% of initiatives)", 70.0, 0.61),
    ("Security incidents resolved within SLA (%)", 95.0, 0.97),
    ("Time to onboard a new client (days, inverted)", 100.0, 0.42),
    ("Internal mobility (roles filled internally, %)", 30.0, 0.55),
];

/// Review texts for well-received courses (contain the positive sentiment keywords).
pub(crate) const POSITIVE_COMMENTS: &[&str] = &[
    "Great course, the explanations were clear and the exercises really helpful.",
    "Excellent pacing and very informative examples. I use this at work every day.",
    "Clear structure, helpful trainer, great practical labs.",
    "Amazing content - informative and easy to follow.",
    "Really helpful refresher; the capstone was great.",
];

/// Review texts for middling courses (mixed keywords).
pub(crate) const MIXED_COMMENTS: &[&str] = &[
    "Informative overall, but some modules felt slow.",
    "Helpful content, though the later modules are hard without more examples.",
    "Good course; a few sections were unclear.",
    "Clear first half, the second half is difficult.",
];

/// Review texts for poorly received courses (contain the negative sentiment keywords).
pub(crate) const NEGATIVE_COMMENTS: &[&str] = &[
    "Confusing structure and too few examples.",
    "The pace is slow and the material is boring.",
    "Difficult to follow - the exercises are hard and the instructions unclear.",
    "Confusing assessments that do not match the videos.",
    "Too difficult for an introductory course; I gave up.",
];

/// Review tags of praise.
pub(crate) const POSITIVE_TAGS: &[&str] = &[
    "clear-explanations",
    "practical",
    "engaging",
    "well-structured",
];

/// Review tags of complaints (the themes trainers should act on).
pub(crate) const NEGATIVE_TAGS: &[&str] = &[
    "pacing",
    "examples",
    "difficulty",
    "outdated",
    "assessment-mismatch",
];

/// Reasons the upstream Learner AI gives for its suggestions.
pub(crate) const RECOMMENDATION_REASONS: &[&str] = &[
    "Matches the skills your department prioritises this quarter",
    "Learners with a similar profile progressed faster with this",
    "Closes your largest open skill gap",
    "Fits your preferred content format",
    "Builds on a course you recently completed",
];
