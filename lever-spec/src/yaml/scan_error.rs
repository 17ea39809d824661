//! Syntax errors located at the mistake: the scanner often notices a stray tab, a missing
//! quote or an unclosed bracket only later, and reports where it noticed.

use std::sync::Arc;

use super::{Frame, Location, SourceFile, SyntaxError};

/// The parser's error, pointed at the mistake rather than where the scanner gave up.
pub(super) fn scan_error(
    file: &Arc<SourceFile>,
    err: &saphyr_parser::ScanError,
    open: &[Frame],
) -> SyntaxError {
    let marker = err.marker();
    let message = err.info().to_string();
    let at = |line: usize, column: usize| Location {
        file: Arc::clone(file),
        line,
        column,
        len: 1,
    };
    // The scanner notices a tab only once it has read past it, sometimes while still on the
    // line before; the first tab from the start of that line is the one it tripped over.
    if message.contains("tab") {
        if let Some((line, column)) = first_tab_from_line(&file.text, marker.line()) {
            return SyntaxError {
                location: at(line, column),
                message,
                help: Some("YAML indents with spaces only: replace the tab with spaces".into()),
            };
        }
    }
    // "trailing content after a quoted scalar": the string that just ended was closed by the
    // quote that was meant to open the next one, so the missing quote is at its start.
    // (The parser says "double-quoted" for single-quoted scalars too, so the quote character
    // is read from the text.)
    if message.contains("trailing content after") && message.contains("quoted scalar") {
        if let Some((line, column)) = opening_quote(&file.text, marker.index()) {
            return SyntaxError {
                location: at(line, column),
                message: format!(
                    "the quoted string that opens here ends at {}:{}, where more text follows",
                    marker.line(),
                    marker.col() + 1
                ),
                help: Some("is its closing quote missing? close it where the value ends".into()),
            };
        }
    }
    // A flow collection (`{ ... }`, `[ ... ]`) left open runs on until something cannot
    // belong to it, often lines later: when the innermost open collection is a flow one and
    // the parser stopped inside it (it says so) or on a later line, the bracket is the mistake.
    let innermost = open.last().map(|frame| match frame {
        Frame::Map(node, ..) | Frame::Seq(node, ..) => &node.location,
    });
    if let Some(start) = innermost {
        let opening = file
            .text
            .lines()
            .nth(start.line.saturating_sub(1))
            .and_then(|line| line.chars().nth(start.column.saturating_sub(1)));
        let inside = message.contains("flow mapping") || message.contains("flow sequence");
        if let Some(opening @ ('{' | '[')) = opening {
            if inside || marker.line() > start.line {
                let closing = if opening == '{' { '}' } else { ']' };
                return SyntaxError {
                    location: Location {
                        len: 1,
                        ..start.clone()
                    },
                    message: format!(
                        "this `{opening}` is not closed where expected ({message}, at {}:{})",
                        marker.line(),
                        marker.col() + 1
                    ),
                    help: Some(format!("close it with `{closing}` where it ends")),
                };
            }
        }
    }
    SyntaxError {
        location: at(marker.line(), marker.col() + 1),
        message,
        help: None,
    }
}

/// 1-based line and column of the first tab on `line` (1-based) or after it.
fn first_tab_from_line(text: &str, line: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(line.saturating_sub(1))
        .find_map(|(i, l)| {
            l.chars()
                .position(|c| c == '\t')
                .map(|column| (i + 1, column + 1))
        })
}

/// 1-based line and column of the quote that opens the quoted scalar whose closing quote is
/// the last quote (`"` or `'`) before the character index `end`.
fn opening_quote(text: &str, end: usize) -> Option<(usize, usize)> {
    let chars: Vec<char> = text.chars().take(end).collect();
    let close = chars.iter().rposition(|&c| c == '"' || c == '\'')?;
    let quote = chars[close];
    let mut i = close;
    let open = loop {
        i = i.checked_sub(1)?;
        if chars[i] != quote {
            continue;
        }
        if quote == '"' {
            // An odd run of backslashes escapes the quote.
            let backslashes = chars[..i].iter().rev().take_while(|&&c| c == '\\').count();
            if backslashes % 2 == 0 {
                break i;
            }
        } else if i > 0 && chars[i - 1] == '\'' {
            // `''` is an escaped single quote inside a single-quoted scalar.
            i -= 1;
        } else {
            break i;
        }
    };
    let before = &chars[..open];
    let line = before.iter().filter(|&&c| c == '\n').count() + 1;
    let column = before.iter().rev().take_while(|&&c| c != '\n').count() + 1;
    Some((line, column))
}
