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

// The page is dark; CodeMirror's default theme is light.
const darkTheme = EditorView.theme(
  {
    '&': { backgroundColor: '#0b0d10', color: '#e6e6e6', fontSize: '0.85rem' },
    '.cm-content': { fontFamily: 'ui-monospace, monospace', caretColor: '#e6e6e6' },
    '.cm-gutters': { backgroundColor: '#161a20', color: '#7d8796', border: 'none' },
    '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: '#1a2029' },
    '&.cm-focused .cm-cursor': { borderLeftColor: '#e6e6e6' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: '#2c3e57' },
  },
  { dark: true },
);

// basicSetup's colours are for a light page (dark blue names on black could not be read): these are the page's own.
const darkHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.modifier, t.operatorKeyword], color: '#c792ea' },
  { tag: [t.typeName, t.standard(t.typeName)], color: '#82cfff' },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.macroName], color: '#8ab4f8' },
  { tag: [t.string, t.character], color: '#9fd49f' },
  { tag: [t.number, t.bool, t.null], color: '#f0b94a' },
  { tag: [t.processingInstruction, t.meta], color: '#d7a8ff' },
  { tag: t.comment, color: '#8b96a5', fontStyle: 'italic' },
  { tag: t.escape, color: '#ffcb6b' },
  { tag: t.invalid, color: '#ff8a80' },
]);

export function createEditor(parent: HTMLElement, text: string, label: string, onChange: (text: string) => void): CodeEditor {
  const view = new EditorView({
    doc: text,
    parent,
    extensions: [
      basicSetup,
      cpp(),
      lintGutter(),
      darkTheme,
      // Ahead of basicSetup's own style, which then colours only what this one leaves alone.
      syntaxHighlighting(darkHighlight),
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
