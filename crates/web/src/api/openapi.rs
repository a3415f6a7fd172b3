//! The OpenAPI 3.1 description of `/api/v1`. A test checks that every API route in the
//! route table is described here, and that nothing is described that does not exist.
use axum::Json;
use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn case_id_param() -> Value {
    json!({ "name": "case_id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

fn csrf_param() -> Value {
    json!({ "name": "X-CSRF-Token", "in": "header", "required": true, "schema": { "type": "string" },
            "description": "The session's CSRF token, from GET /api/v1/me" })
}

pub fn spec() -> Value {
    let answer = json!({ "type": "string", "enum": ["yes", "no", "not_known"] });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Waymark API",
            "version": "1",
            "description": "Referrals, Dash risk assessments and cases. Sign in through the web sign-in page; the session cookie authenticates API calls, and every POST carries the X-CSRF-Token header. A case the caller may not see is a 404, exactly like a case that does not exist."
        },
        "paths": {
            "/api/v1/me": { "get": {
                "summary": "The signed-in user and their CSRF token",
                "responses": { "200": { "description": "The user", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Me" } } } },
                               "401": error_response("Not signed in") } } },
            "/api/v1/cases": { "get": {
                "summary": "Cases the caller may see, with the latest risk level",
                "parameters": [
                    { "name": "risk", "in": "query", "schema": { "type": "string", "enum": ["high", "medium", "standard"] } },
                    { "name": "sort", "in": "query", "schema": { "type": "string", "enum": ["reference", "victim", "risk", "assessed"] } },
                    { "name": "order", "in": "query", "schema": { "type": "string", "enum": ["asc", "desc"] } },
                    { "name": "mine", "in": "query", "schema": { "type": "boolean" } }
                ],
                "responses": { "200": { "description": "The cases", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["cases"], "properties": { "cases": { "type": "array", "items": { "$ref": "#/components/schemas/CaseSummary" } } } } } } },
                    "401": error_response("Not signed in"), "422": error_response("Bad query") } } },
            "/api/v1/cases/{case_id}": { "get": {
                "summary": "One case: people, referral and Dash history",
                "parameters": [case_id_param()],
                "responses": { "200": { "description": "The case", "content": { "application/json": { "schema": { "type": "object" } } } },
                               "401": error_response("Not signed in"), "404": error_response("No such case, or not visible to the caller") } } },
            "/api/v1/referrals": { "post": {
                "summary": "Open a case from a referral",
                "parameters": [csrf_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewReferral" } } } },
                "responses": { "201": { "description": "Created", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["id"], "properties": { "id": { "type": "string", "format": "uuid" } } } } } },
                    "401": error_response("Not signed in"), "403": error_response("Role may not refer, or bad CSRF token"),
                    "422": error_response("Invalid referral; `fields` names each problem") } } },
            "/api/v1/cases/{case_id}/assessments": { "post": {
                "summary": "Record a Dash risk assessment on a case and get the decision",
                "parameters": [case_id_param(), csrf_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Assessment" } } } },
                "responses": { "201": { "description": "Recorded", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["id", "decision"], "properties": { "id": { "type": "string", "format": "uuid" }, "decision": { "$ref": "#/components/schemas/Decision" } } } } } },
                    "401": error_response("Not signed in"), "403": error_response("Bad CSRF token"),
                    "404": error_response("No such case, or not visible to the caller"), "422": error_response("Invalid assessment") } } },
            "/api/v1/cases/{case_id}/safe-contact": { "post": {
                "summary": "Reveal a case's restricted fields: the safe contact details, where the victim lives (address, postcode, refuge, GP practice) and the children's schools (every reveal is audited)",
                "parameters": [case_id_param(), csrf_param()],
                "responses": { "200": { "description": "The restricted fields", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["safe_phone", "safe_times", "address", "postcode", "refuge", "gp_practice", "schools"], "properties": {
                        "safe_phone": { "type": ["string", "null"] }, "safe_times": { "type": ["string", "null"] },
                        "address": { "type": ["string", "null"], "description": "Current address, lines separated by newlines" },
                        "postcode": { "type": ["string", "null"] }, "refuge": { "type": ["string", "null"] }, "gp_practice": { "type": ["string", "null"] },
                        "schools": { "type": "array", "description": "Each child with a school or nursery recorded", "items": {
                            "type": "object", "required": ["person_id", "child_name", "school"], "properties": {
                                "person_id": { "type": "string", "format": "uuid" }, "child_name": { "type": "string" }, "school": { "type": "string" } } } } } } } } },
                    "401": error_response("Not signed in"), "403": error_response("Bad CSRF token"),
                    "404": error_response("No such case, or the caller may not see or reveal its restricted fields") } } },
            "/api/v1/dash/score": { "post": {
                "summary": "Score an assessment with the default thresholds without storing it",
                "parameters": [csrf_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Assessment" } } } },
                "responses": { "200": { "description": "The decision", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Decision" } } } },
                               "401": error_response("Not signed in"), "403": error_response("Bad CSRF token"), "422": error_response("Invalid assessment") } } }
        },
        "components": { "schemas": {
            "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message", "fields", "request_id"], "properties": {
                "code": { "type": "string" }, "message": { "type": "string" }, "request_id": { "type": "string" },
                "fields": { "type": "array", "items": { "type": "object", "required": ["field", "message"], "properties": { "field": { "type": "string" }, "message": { "type": "string" } } } } } } } },
            "Me": { "type": "object", "required": ["id", "email", "display_name", "role", "agency_id", "csrf_token"], "properties": {
                "id": { "type": "string" }, "email": { "type": "string" }, "display_name": { "type": "string" },
                "role": { "type": "string", "enum": ["caseworker", "marac_coordinator", "agency_rep", "manager", "admin", "data_protection"] },
                "agency_id": { "type": "string" }, "csrf_token": { "type": "string" } } },
            "CaseSummary": { "type": "object", "required": ["id", "reference", "victim_name", "status"], "properties": {
                "id": { "type": "string", "format": "uuid" }, "reference": { "type": "string" }, "victim_name": { "type": "string" },
                "caseworker_name": { "type": ["string", "null"] }, "status": { "type": "string" },
                "risk_level": { "type": ["string", "null"], "enum": ["high", "medium", "standard", null] },
                "yes_count": { "type": ["integer", "null"] }, "last_assessed_on": { "type": ["string", "null"], "format": "date" } } },
            "NewReferral": { "type": "object", "additionalProperties": false, "required": ["marac_id", "referral"], "properties": {
                "marac_id": { "type": "string", "format": "uuid" },
                "referral": { "type": "object", "additionalProperties": false, "description": "Every field is text, as on the form; dates are YYYY-MM-DD; yes/no fields take \"yes\" or \"no\".",
                    "properties": {
                        "victim_given_name": { "type": "string" }, "victim_family_name": { "type": "string" }, "victim_date_of_birth": { "type": "string" }, "victim_gender": { "type": "string" },
                        "perpetrator_given_name": { "type": "string" }, "perpetrator_family_name": { "type": "string" }, "perpetrator_date_of_birth": { "type": "string" }, "perpetrator_gender": { "type": "string" },
                        "relationship": { "type": "string", "enum": ["intimate_partner", "ex_partner", "intermittent_partner", "family_member", "other"] },
                        "children": { "type": "array", "items": { "type": "object", "additionalProperties": false, "properties": {
                            "given_name": { "type": "string" }, "family_name": { "type": "string" }, "date_of_birth": { "type": "string" }, "lives_with": { "type": "string", "enum": ["victim", "perpetrator", "both", "other", ""] } } } },
                        "referring_agency_id": { "type": "string" },
                        "route": { "type": "string", "enum": ["police", "self", "marac", "dv_services", "health", "childrens_services", "housing", "specialist", "other"] },
                        "referred_on": { "type": "string" }, "consent": { "type": "string", "enum": ["given", "not_given"] }, "consent_reason": { "type": "string" },
                        "victim_aware": { "type": "string", "enum": ["yes", "no"] }, "reason": { "type": "string" },
                        "safe_phone": { "type": "string" }, "safe_times": { "type": "string" },
                        "voicemail_safe": { "type": "string", "enum": ["yes", "no"] }, "post_safe": { "type": "string", "enum": ["yes", "no"] } } } } },
            "Assessment": { "type": "object", "additionalProperties": false, "required": ["answers", "abuse_incidents_last_12_months", "assessed_on"], "properties": {
                "answers": { "type": "object", "additionalProperties": answer, "description": "Item key (q1…q24) to answer; unanswered items may be left out" },
                "details": { "type": "object", "additionalProperties": { "type": "string" } },
                "abuse_incidents_last_12_months": { "type": "integer", "minimum": 0 },
                "professional_judgement": { "oneOf": [ { "type": "null" }, { "type": "object", "additionalProperties": false, "required": ["reason"], "properties": { "reason": { "type": "string", "minLength": 1 } } } ] },
                "assessed_on": { "type": "string", "format": "date" },
                "previous_marac_referral_on": { "type": ["string", "null"], "format": "date" },
                "instrument": { "type": "string" } } },
            "Decision": { "type": "object", "required": ["instrument", "version", "yes_count", "not_known_count", "answered", "risk_level", "refer_to_marac", "criteria"], "properties": {
                "instrument": { "type": "string" }, "version": { "type": "string" },
                "yes_count": { "type": "integer" }, "not_known_count": { "type": "integer" }, "answered": { "type": "integer" },
                "unanswered": { "type": "array", "items": { "type": "string" } },
                "risk_level": { "type": "string", "enum": ["high", "medium", "standard"] },
                "refer_to_marac": { "type": "boolean" },
                "criteria": { "type": "array", "items": { "type": "string", "enum": ["visible_high_risk", "professional_judgement", "potential_escalation", "repeat"] } } } }
        } }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
