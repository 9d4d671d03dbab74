/**
 * The Write code tab's editor: CodeMirror 6 with C highlighting. Imported
 * lazily by code-view.ts, so the page loads no editor before the tab is
 * opened. Tab is left to move focus (no indentWithTab): the page stays
 * keyboard-usable.
 */
import { cpp } from '@codemirror/lang-cpp';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { basicSetup, EditorView } from 'codemirror';

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

export function createEditor(parent: HTMLElement, text: string, label: string, onChange: (text: string) => void): CodeEditor {
  const view = new EditorView({
    doc: text,
    parent,
    extensions: [
      basicSetup,
      cpp(),
      lintGutter(),
      darkTheme,
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
