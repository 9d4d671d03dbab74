/**
 * The Write code tab's editor: CodeMirror 6 with C highlighting. Imported
 * lazily by code-view.ts, so the page loads no editor before the tab is
 * opened. Tab is left to move focus (no indentWithTab): the page stays
 * keyboard-usable.
 */
import { cpp } from '@codemirror/lang-cpp';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { basicSetup, EditorView } from 'codemirror';
import { tags as t } from '@lezer/highlight';

/** One compiler message about a line of the source (1-based). */
export interface LineProblem {
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface CodeEditor {
  text(): string;
  setText(text: string): void;
  /** Marks each problem's line in the editor; an empty list clears the marks. */
  mark(problems: readonly LineProblem[]): void;
}

// The editor takes the page's theme (web/style.css's variables), so it follows the light, dark and high-contrast choice.
const pageTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--pre-bg)', color: 'var(--fg)', fontSize: '0.85rem' },
  '.cm-content': { fontFamily: 'ui-monospace, monospace', caretColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--dialog-bg)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--code-active)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--fg)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--code-selection)' },
});

// basicSetup's colours are for a light page only: these are the page's own, per theme.
const pageHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.modifier, t.operatorKeyword], color: 'var(--syn-keyword)' },
  { tag: [t.typeName, t.standard(t.typeName)], color: 'var(--syn-type)' },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.macroName], color: 'var(--link)' },
  { tag: [t.string, t.character], color: 'var(--ok-text)' },
  { tag: [t.number, t.bool, t.null], color: 'var(--warn)' },
  { tag: [t.processingInstruction, t.meta], color: 'var(--syn-meta)' },
  { tag: t.comment, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: t.escape, color: 'var(--warn)' },
  { tag: t.invalid, color: 'var(--bad-text)' },
]);

export function createEditor(parent: HTMLElement, text: string, label: string, onChange: (text: string) => void): CodeEditor {
  const view = new EditorView({
    doc: text,
    parent,
    extensions: [
      basicSetup,
      cpp(),
      lintGutter(),
      pageTheme,
      // Ahead of basicSetup's own style, which then colours only what this one leaves alone.
      syntaxHighlighting(pageHighlight),
      // The editable area is a contenteditable div: it needs its own accessible name.
      EditorView.contentAttributes.of({ 'aria-label': label }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChange(u.state.doc.toString());
      }),
    ],
  });
  return {
    text: () => view.state.doc.toString(),
    setText: (t) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }),
    mark: (problems) => {
      const doc = view.state.doc;
      const diagnostics: Diagnostic[] = problems
        .filter((p) => p.line >= 1 && p.line <= doc.lines)
        .map((p) => {
          const line = doc.line(p.line);
          return { from: line.from, to: line.to, severity: p.severity, message: p.message, source: 'tcc' };
        });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
  };
}
