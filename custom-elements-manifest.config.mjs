// Configuration of @custom-elements-manifest/analyzer, run by `vite build` (vite.config.ts): writes
// dist/custom-elements.json (named by package.json's `customElements`), which IDEs, Storybook
// and framework wrappers read to learn the tag, its attributes, properties, events, parts and
// custom properties, from the JSDoc (@event, @slot, @csspart, @cssproperty) and declarations of
// src/element/okid-verify-properties.ts, folded into the element's class.

/** The public module: the element and its events are imported from `okid-verify` (dist/index.js). */
const PUBLIC_MODULE = 'dist/index.js';

/**
 * The class that declares the element's API (okid-verify-properties.ts): attributes, properties,
 * events, slots, parts and CSS properties. To a consumer they are the element's own, so it is
 * folded into the element and left out.
 */
const FOLDED_BASE = 'OkidVerifyProperties';

/** Folds {@link FOLDED_BASE} into its subclass: its members become the subclass's own, its superclass the subclass's. */
function foldBase(declarations) {
  const base = declarations.find((declaration) => declaration.name === FOLDED_BASE);
  if (!base) return declarations;
  for (const declaration of declarations) {
    if (declaration.superclass?.name !== FOLDED_BASE) continue;
    declaration.superclass = base.superclass;
    declaration.customElement = base.customElement;
    declaration.description = base.description;
    // The analyzer copies the base's members, attributes and JSDoc (events, slots, parts, CSS
    // properties) into the element, marked as inherited: to a consumer they are its own.
    for (const key of ['members', 'attributes', 'events', 'slots', 'cssParts', 'cssProperties']) {
      for (const item of declaration[key] ?? []) if (item.inheritedFrom?.name === FOLDED_BASE) delete item.inheritedFrom;
    }
  }
  return declarations.filter((declaration) => declaration !== base);
}

/**
 * Adapts the analyzer's raw output to this package:
 * - the tag comes from the `HTMLElementTagNameMap` declaration (the element registers itself
 *   through `static define(tag = 'okid-verify')`, which the analyzer cannot follow);
 * - events take their class from the `static readonly type = 'okid-…'` of the event classes, and
 *   the entries the analyzer guesses from `dispatchEvent(new X(variable))` (named after the
 *   variable) are dropped;
 * - protected members go: Lit's analysis lists the `state: true` properties as attributes;
 * - the modules are merged into `dist/index.js`, the file a consumer imports: `src/` is not
 *   published.
 * @returns {import('@custom-elements-manifest/analyzer').Plugin}
 */
function okidManifest() {
  /** @type {Map<string, string>} tag → class name */
  const tags = new Map();
  /** @type {Map<string, string>} event class name → event name */
  const eventNames = new Map();
  return {
    name: 'okid-manifest',
    analyzePhase({ ts, node }) {
      if (ts.isInterfaceDeclaration(node) && node.name.text === 'HTMLElementTagNameMap') {
        for (const member of node.members) {
          if (ts.isPropertySignature(member) && member.type && ts.isTypeReferenceNode(member.type)) {
            tags.set(member.name.getText().replace(/^['"]|['"]$/g, ''), member.type.typeName.getText());
          }
        }
      }
      if (ts.isClassDeclaration(node) && node.name) {
        for (const member of node.members) {
          const isStatic = member.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword);
          if (
            isStatic &&
            ts.isPropertyDeclaration(member) &&
            member.name.getText() === 'type' &&
            member.initializer &&
            ts.isStringLiteral(member.initializer)
          ) {
            eventNames.set(node.name.text, member.initializer.text);
          }
        }
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      const modules = customElementsManifest.modules;
      const declarations = foldBase(modules.flatMap((module) => module.declarations ?? []));
      for (const declaration of declarations) {
        const tag = [...tags].find(([, className]) => className === declaration.name)?.[0];
        if (tag && declaration.customElement) declaration.tagName = tag;
        if (declaration.events) {
          declaration.events = declaration.events
            .filter((event) => /^okid-/.test(event.name))
            .map((event) => {
              const eventClass = [...eventNames].find(([, name]) => name === event.name)?.[0];
              return eventClass ? { ...event, type: { text: eventClass } } : event;
            });
        }
        // Lit's style and property tables are plumbing; protected members are internal state.
        const internal = (member) =>
          (member.static && ['styles', 'properties'].includes(member.name)) || ['private', 'protected'].includes(member.privacy);
        const internalFields = new Set((declaration.members ?? []).filter(internal).map((member) => member.name));
        declaration.members = declaration.members?.filter((member) => !internal(member));
        declaration.attributes = declaration.attributes?.filter((attribute) => !internalFields.has(attribute.fieldName));
      }
      const declared = new Set(declarations.map((declaration) => declaration.name));
      for (const declaration of declarations) {
        for (const reference of [declaration.superclass, ...(declaration.members ?? []).map((member) => member.inheritedFrom)]) {
          if (!reference?.module?.startsWith('src/')) continue;
          // A class not declared here (CustomEvent) is the platform's: the schema's `global:` package.
          if (declared.has(reference.name)) reference.module = PUBLIC_MODULE;
          else {
            delete reference.module;
            reference.package = 'global:';
          }
        }
      }
      const exports = [
        ...declarations.map((declaration) => ({
          kind: 'js',
          name: declaration.name,
          declaration: { name: declaration.name, module: PUBLIC_MODULE },
        })),
        ...declarations
          .filter((declaration) => declaration.tagName)
          .map((declaration) => ({
            kind: 'custom-element-definition',
            name: declaration.tagName,
            declaration: { name: declaration.name, module: PUBLIC_MODULE },
          })),
      ];
      customElementsManifest.modules = [{ kind: 'javascript-module', path: PUBLIC_MODULE, declarations, exports }];
    },
  };
}

export default {
  globs: ['src/element/okid-verify-element.ts', 'src/element/okid-verify-properties.ts', 'src/element/events.ts'],
  outdir: 'dist',
  litelement: true,
  packagejson: false,
  quiet: true,
  plugins: [okidManifest()],
};
