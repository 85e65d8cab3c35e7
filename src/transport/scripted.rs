//! A scripted, in-memory transport for unit tests: each request takes the next step of the
//! script, which must expect its method and a part of its URL. What was sent is kept, so a
//! test can say which call failed, with what, in which order, and count the rest.

use super::{Method, Request, Response, Transport, TransportError};
use std::collections::VecDeque;

pub struct Step {
    pub method: Method,
    /// A part of the URL the request must contain.
    pub url_part: &'static str,
    pub answer: Result<Response, TransportError>,
}

#[derive(Default)]
pub struct Scripted {
    steps: VecDeque<Step>,
    /// Every request sent, in order: method, URL and body.
    pub sent: Vec<(Method, String, Option<String>)>,
    /// Each request's timeout, in the same order.
    pub timeouts: Vec<u64>,
}

impl Scripted {
    pub fn new(steps: Vec<Step>) -> Scripted {
        Scripted {
            steps: steps.into(),
            sent: Vec::new(),
            timeouts: Vec::new(),
        }
    }

    pub fn then(&mut self, steps: Vec<Step>) {
        self.steps.extend(steps);
    }

    /// Panics, naming what is left, unless every step was used.
    pub fn assert_done(&self) {
        let left: Vec<String> = self
            .steps
            .iter()
            .map(|s| format!("{:?} {}", s.method, s.url_part))
            .collect();
        assert!(left.is_empty(), "steps never requested: {left:?}");
    }
}

/// A step answering `status` with a JSON body.
pub fn json(method: Method, url_part: &'static str, status: u16, body: &str) -> Step {
    Step {
        method,
        url_part,
        answer: Ok(Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }),
    }
}

/// A step that fails below HTTP.
pub fn fail(method: Method, url_part: &'static str, error: TransportError) -> Step {
    Step {
        method,
        url_part,
        answer: Err(error),
    }
}

impl Transport for Scripted {
    fn send(&mut self, request: Request) -> Result<Response, TransportError> {
        self.sent.push((
            request.method,
            request.url.as_str().to_string(),
            request.body.clone(),
        ));
        self.timeouts.push(request.timeout_secs);
        let step = self.steps.pop_front().unwrap_or_else(|| {
            panic!(
                "unscripted request {:?} {}",
                request.method,
                request.url.as_str()
            )
        });
        assert!(
            step.method == request.method && request.url.as_str().contains(step.url_part),
            "expected {:?} …{}…, got {:?} {}",
            step.method,
            step.url_part,
            request.method,
            request.url.as_str()
        );
        step.answer
    }
}
