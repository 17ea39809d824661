//! Deterministic seed data: users, stages, archive reasons, postings, contacts, opportunities
//! and applications, all derived from the configured seed.

use lever_spec::Spec;
use serde_json::{json, Map, Value};

use crate::sample::complete;
use crate::store::{parent_key, Obj, Store};

/// 2024-01-01T00:00:00Z: seed timestamps are spread over the weeks after it.
pub(crate) const BASE_MS: i64 = 1_704_067_200_000;
const DAY: i64 = 86_400_000;

const USERS: [(&str, &str, &str); 5] = [
    ("Ada Lovelace", "super admin", "Head of Talent"),
    ("Grace Hopper", "admin", "Recruiting Lead"),
    ("Alan Turing", "team member", "Engineering Manager"),
    (
        "Katherine Johnson",
        "limited team member",
        "Hiring Coordinator",
    ),
    ("Edsger Dijkstra", "interviewer", "Staff Engineer"),
];

const STAGES: [(&str, &str); 10] = [
    ("lead-new", "New lead"),
    ("lead-reached-out", "Reached out"),
    ("lead-responded", "Responded"),
    ("applicant-new", "New applicant"),
    ("", "Recruiter screen"),
    ("", "Phone interview"),
    ("", "On-site interview"),
    ("", "Reference check"),
    ("offer", "Offer"),
    ("", "Background check"),
];

const ARCHIVE_REASONS: [(&str, &str, &str); 6] = [
    ("Hired", "hired", "active"),
    ("Underqualified", "non-hired", "active"),
    ("Withdrew", "non-hired", "active"),
    ("Position filled", "non-hired", "active"),
    ("Timing", "non-hired", "active"),
    ("Duplicate", "non-hired", "inactive"),
];

/// (title, team, department, location, commitment, state, workplaceType, confidential)
type PostingSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

const POSTINGS: [PostingSeed; 10] = [
    (
        "Senior Backend Engineer",
        "Platform",
        "Engineering",
        "San Francisco",
        "Full-time",
        "published",
        "hybrid",
        false,
    ),
    (
        "Frontend Engineer",
        "Web",
        "Engineering",
        "Remote - US",
        "Full-time",
        "published",
        "remote",
        false,
    ),
    (
        "Product Designer",
        "Design",
        "Product",
        "New York",
        "Full-time",
        "published",
        "onsite",
        false,
    ),
    (
        "Data Scientist",
        "Analytics",
        "Data",
        "London",
        "Full-time",
        "internal",
        "hybrid",
        false,
    ),
    (
        "Account Executive",
        "Sales",
        "Go To Market",
        "Toronto",
        "Full-time",
        "published",
        "onsite",
        false,
    ),
    (
        "Recruiting Coordinator",
        "Talent",
        "People",
        "Remote - US",
        "Contract",
        "draft",
        "remote",
        false,
    ),
    (
        "Site Reliability Engineer",
        "Infrastructure",
        "Engineering",
        "Berlin",
        "Full-time",
        "closed",
        "hybrid",
        false,
    ),
    (
        "Engineering Intern",
        "Platform",
        "Engineering",
        "San Francisco",
        "Intern",
        "published",
        "onsite",
        false,
    ),
    (
        "Head of Security",
        "Security",
        "Engineering",
        "New York",
        "Full-time",
        "internal",
        "onsite",
        true,
    ),
    (
        "Customer Success Manager",
        "Support",
        "Go To Market",
        "Dublin",
        "Part-time",
        "pending",
        "unspecified",
        false,
    ),
];

const PEOPLE: [(&str, &str, &str); 20] = [
    (
        "Maria Garcia",
        "Backend engineer at Stripe",
        "San Francisco, CA",
    ),
    ("James Smith", "Designer, ex-Figma", "New York, NY"),
    ("Wei Zhang", "Data scientist, PhD Stanford", "London, UK"),
    ("Priya Patel", "Frontend engineer at Shopify", "Toronto, ON"),
    (
        "Olivia Brown",
        "Account executive at Salesforce",
        "Chicago, IL",
    ),
    ("Noah Wilson", "SRE at Google", "Berlin, Germany"),
    ("Amara Okafor", "Student at MIT", "Cambridge, MA"),
    ("Lucas Martin", "Security lead at Cloudflare", "Austin, TX"),
    (
        "Sofia Rossi",
        "Customer success at Zendesk",
        "Dublin, Ireland",
    ),
    (
        "Hiroshi Tanaka",
        "Platform engineer at Mercari",
        "Tokyo, Japan",
    ),
    ("Emma Johnson", "Product designer at Airbnb", "Seattle, WA"),
    (
        "Mateo Lopez",
        "Data engineer at Spotify",
        "Stockholm, Sweden",
    ),
    ("Chloe Dubois", "Recruiter at Doctolib", "Paris, France"),
    ("Ethan Davis", "Full-stack engineer", "Denver, CO"),
    ("Fatima Al-Sayed", "ML engineer at DeepMind", "London, UK"),
    ("Liam O'Brien", "Sales development rep", "Boston, MA"),
    (
        "Ananya Rao",
        "Backend engineer at Flipkart",
        "Bangalore, India",
    ),
    ("Jonas Becker", "DevOps engineer at SAP", "Munich, Germany"),
    ("Isabella Costa", "UX researcher", "Lisbon, Portugal"),
    ("Kwame Mensah", "Support engineer at Twilio", "Remote"),
];

const TAGS: [&str; 6] = [
    "Referral", "Senior", "Backend", "Design", "Strong", "Rehire",
];
const SOURCES: [&str; 5] = [
    "LinkedIn",
    "Company website",
    "Referral",
    "AngelList",
    "Conference",
];
const ORIGINS: [&str; 5] = ["applied", "sourced", "referred", "agency", "university"];

fn email_of(name: &str, domain: &str) -> String {
    let local: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
        .collect();
    format!("{}@{domain}", local.trim_matches('.'))
}

fn finish(spec: &Spec, store: &mut Store, ty: &str, value: Value) -> Obj {
    let mut obj = match value {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    let ts = obj
        .get("createdAt")
        .and_then(Value::as_i64)
        .unwrap_or(BASE_MS);
    complete(spec, ty, &mut obj, &mut store.rng, ts, 0);
    store.put(ty, obj.clone());
    obj
}

/// Fills `store` with the seed data.
pub(crate) fn seed(spec: &Spec, store: &mut Store) {
    let users = seed_users(spec, store);
    let stages = seed_stages(spec, store);
    let reasons = seed_archive_reasons(spec, store);
    let postings = seed_postings(spec, store, &users);
    let open: Vec<&SeededPosting> = postings
        .iter()
        .filter(|p| (p.state == "published" || p.state == "internal") && !p.confidential)
        .collect();
    let cx = CandidateSeed {
        spec,
        users: &users,
        stages: &stages,
        reasons: &reasons,
        open: &open,
    };
    for (i, person) in PEOPLE.iter().enumerate() {
        seed_candidate(&cx, store, i, person);
    }
}

/// The seeded users' IDs, the super admin first.
struct Users(Vec<String>);

impl Users {
    /// The `i`-th user (wrapping).
    fn pick(&self, i: usize) -> String {
        self.0
            .get(i % self.0.len().max(1))
            .cloned()
            .unwrap_or_default()
    }
}

fn seed_users(spec: &Spec, store: &mut Store) -> Users {
    let mut users: Vec<String> = Vec::new();
    for (i, (name, role, title)) in USERS.iter().enumerate() {
        let id = store.rng.uuid();
        let created = BASE_MS - 400 * DAY + i as i64 * DAY;
        let user = json!({
            "id": id,
            "name": name,
            "username": email_of(name, "x").trim_end_matches("@x"),
            "email": email_of(name, "sim-company.example"),
            "accessRole": role,
            "photo": Value::Null,
            "createdAt": created,
            "deactivatedAt": Value::Null,
            "linkedContactIds": Value::Null,
            "jobTitle": title,
            "managerId": if i == 0 { Value::Null } else { json!(users.first().cloned().unwrap_or_default()) },
        });
        finish(spec, store, "User", user);
        users.push(id);
    }
    Users(users)
}

/// The stages' IDs, in pipeline order (Lever's slugs, then UUIDs).
fn seed_stages(spec: &Spec, store: &mut Store) -> Vec<String> {
    let mut stages = Vec::new();
    for (i, (slug, text)) in STAGES.iter().enumerate() {
        let id = if slug.is_empty() {
            store.rng.uuid()
        } else {
            (*slug).to_string()
        };
        let stage = json!({ "id": id, "text": text, "createdAt": BASE_MS - 500 * DAY + i as i64 });
        finish(spec, store, "Stage", stage);
        stages.push(id);
    }

    stages
}

/// The archive reasons' IDs, the hired one first.
fn seed_archive_reasons(spec: &Spec, store: &mut Store) -> Vec<String> {
    let mut reasons = Vec::new();
    for (i, (text, kind, status)) in ARCHIVE_REASONS.iter().enumerate() {
        let id = store.rng.uuid();
        let reason = json!({
            "id": id, "text": text, "status": status, "type": kind,
            "createdAt": BASE_MS - 500 * DAY + i as i64,
        });
        finish(spec, store, "ArchiveReason", reason);
        reasons.push(id);
    }

    reasons
}

/// What candidates need of a seeded posting.
struct SeededPosting {
    id: String,
    state: String,
    location: String,
    confidential: bool,
}

fn seed_postings(spec: &Spec, store: &mut Store, users: &Users) -> Vec<SeededPosting> {
    let user = |i: usize| users.pick(i);
    let mut postings = Vec::new();
    for (i, (title, team, dept, location, commitment, state, workplace, confidential)) in
        POSTINGS.iter().enumerate()
    {
        let id = store.rng.uuid();
        let created = BASE_MS - 120 * DAY + i as i64 * 3 * DAY;
        let updated = created + (store.rng.below(20) as i64 + 1) * DAY;
        let published = *state == "published";
        let mut posting = json!({
            "id": id,
            "text": title,
            "createdAt": created,
            "updatedAt": updated,
            "state": state,
            "distributionChannels": if published { json!(["public", "internal"]) } else if *state == "internal" { json!(["internal"]) } else { Value::Null },
            "confidentiality": if *confidential { "confidential" } else { "non-confidential" },
            "user": user(i + 1),
            "owner": user(1),
            "hiringManager": user(2 + i % 2),
            "categories": {
                "team": team, "department": dept, "location": location,
                "allLocations": [location], "commitment": commitment, "level": Value::Null,
            },
            "tags": [team, commitment],
            "content": {
                "description": format!("We are hiring a {title} to join our {team} team."),
                "descriptionHtml": format!("<div>We are hiring a <b>{title}</b> to join our {team} team.</div>"),
                "lists": [{ "text": "What you will do", "content": "<li>Build things</li><li>Ship them</li>" }],
                "closing": "We are an equal opportunity employer.",
                "closingHtml": "<div>We are an equal opportunity employer.</div>",
            },
            "country": match *location { "London" => "GB", "Toronto" => "CA", "Berlin" => "DE", "Dublin" => "IE", _ => "US" },
            "followers": [user(1), user(2 + i % 2)],
            "reqCode": Value::Null,
            "requisitionCodes": [format!("REQ-{:03}", i + 1)],
            "urls": {
                "list": "https://jobs.lever.co/sim-company",
                "show": format!("https://jobs.lever.co/sim-company/{id}"),
                "apply": format!("https://jobs.lever.co/sim-company/{id}/apply"),
            },
            "workplaceType": workplace,
        });
        if i % 3 != 2 {
            let min = 80_000 + 10_000 * i as i64;
            posting["salaryRange"] = json!({ "min": min, "max": min + 40_000, "currency": "USD", "interval": "per-year-salary" });
            posting["salaryDescription"] = json!("Competitive salary and equity.");
        }
        finish(spec, store, "Posting", posting);
        postings.push(SeededPosting {
            id,
            state: (*state).to_string(),
            location: (*location).to_string(),
            confidential: *confidential,
        });
    }
    postings
}

/// What every seeded candidate draws on.
struct CandidateSeed<'a> {
    spec: &'a Spec,
    users: &'a Users,
    stages: &'a [String],
    reasons: &'a [String],
    /// The postings candidates may apply to (open and not confidential).
    open: &'a [&'a SeededPosting],
}

/// The `i`-th person's contact and opportunity and, for most, an application. (Over 80
/// lines only because the opportunity's JSON stays one literal, to read like Lever's.)
fn seed_candidate(
    cx: &CandidateSeed<'_>,
    store: &mut Store,
    i: usize,
    (name, headline, location): &(&str, &str, &str),
) {
    let (spec, stages, reasons, open) = (cx.spec, cx.stages, cx.reasons, cx.open);
    let user = |i: usize| cx.users.pick(i);
    let hired_reason = reasons.first().cloned().unwrap_or_default();
    let contact_id = store.rng.uuid();
    let created = BASE_MS - 60 * DAY + i as i64 * 2 * DAY + store.rng.below(DAY as usize) as i64;
    let email = email_of(name, "example.com");
    let phone = json!({ "type": "mobile", "value": format!("+1 415 555 {:04}", 100 + i) });
    finish(
        spec,
        store,
        "Contact",
        json!({
            "id": contact_id, "name": name, "headline": headline,
            "location": { "name": location }, "emails": [email], "phones": [phone],
            "isAnonymized": false, "createdAt": created,
        }),
    );
    let opp_id = store.rng.uuid();
    let with_posting = i % 4 != 3 && !open.is_empty();
    let posting = with_posting.then(|| open[i % open.len()]);
    let stage_ix = if posting.is_some() {
        3 + store.rng.below(stages.len() - 3)
    } else {
        store.rng.below(3)
    };
    let stage = stages[stage_ix].clone();
    let updated = created + (store.rng.below(10) as i64 + 1) * DAY;
    let archived = match i % 7 {
        5 => json!({ "archivedAt": updated, "reason": reasons[1 + i % (reasons.len() - 1)] }),
        6 if posting.is_some() => json!({ "archivedAt": updated, "reason": hired_reason }),
        _ => Value::Null,
    };
    let origin = if posting.is_some() {
        ORIGINS[i % 3 % 2 * 2]
    } else {
        ORIGINS[1 + i % 4]
    };
    let mut opp = json!({
        "id": opp_id,
        "name": name,
        "headline": headline,
        "contact": contact_id,
        "emails": [email],
        "phones": [phone],
        "confidentiality": "non-confidential",
        "location": location,
        "links": [format!("https://www.linkedin.com/in/sim-{}", i + 1)],
        "createdAt": created,
        "updatedAt": updated,
        "lastInteractionAt": updated,
        "lastAdvancedAt": updated,
        "snoozedUntil": Value::Null,
        "archived": archived,
        "stage": stage,
        "stageChanges": [
            { "toStageId": stages[0], "toStageIndex": 0, "userId": user(1), "updatedAt": created },
            { "toStageId": stage, "toStageIndex": stage_ix, "userId": user(1), "updatedAt": updated },
        ],
        "owner": user(1 + i % 2),
        "sourcedBy": user(1),
        "tags": [TAGS[i % TAGS.len()], TAGS[(i * 7 + 3) % TAGS.len()]],
        "sources": [SOURCES[i % SOURCES.len()]],
        "origin": origin,
        "applications": [],
        "followers": [user(1), user(2)],
        "urls": {
            "list": "https://hire.lever.co/candidates",
            "show": format!("https://hire.lever.co/candidates/{opp_id}"),
        },
        "dataProtection": Value::Null,
        "isAnonymized": false,
    });
    if let Some(posting) = posting {
        let app_id = seed_application(cx, store, &opp, posting, (name, headline, &email, &phone));
        opp["applications"] = json!([app_id]);
        opp["opportunityLocation"] = json!(posting.location);
    }
    finish(spec, store, "Opportunity", opp);
}

/// The application of seeded opportunity `opp` to `posting`; returns its ID.
fn seed_application(
    cx: &CandidateSeed<'_>,
    store: &mut Store,
    opp: &Value,
    posting: &SeededPosting,
    (name, headline, email, phone): (&str, &str, &str, &Value),
) -> String {
    let user = |i: usize| cx.users.pick(i);
    let opp_id = opp["id"].clone();
    let created = opp["createdAt"].clone();
    let pid = &posting.id;
    let app_id = store.rng.uuid();
    let mut app = json!({
        "id": app_id,
        "opportunityId": opp_id,
        "candidateId": opp_id,
        "createdAt": created,
        "type": "posting",
        "posting": pid,
        "postingOwner": user(1),
        "postingHiringManager": user(2),
        "user": Value::Null,
        "name": name,
        "email": email,
        "phone": phone,
        "company": headline.split(" at ").nth(1),
        "links": [],
        "comments": Value::Null,
        "customQuestions": [],
        "archived": opp["archived"].clone(),
        "requisitionForHire": Value::Null,
    });
    if let Value::Object(a) = &mut app {
        a.insert(parent_key("Opportunity"), json!(opp_id));
    }
    finish(cx.spec, store, "Application", app);
    app_id
}
