// The type of what `#v86` (package.json imports) gives each target: v86's own class, loaded patched (v86-patches.ts).
export { V86 } from 'v86';
