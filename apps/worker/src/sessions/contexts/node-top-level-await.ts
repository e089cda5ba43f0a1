/**
 * Top-level await for the JavaScript contexts, as a piece of the driver's
 * source (node-context.driver.ts puts it in): `awaitable(code)` is code
 * that awaits outside any function rewritten as the body of an async arrow
 * function whose promise the script's value is, as Node's REPL does; null
 * when the code does not await at its top level (it runs as it is).
 *
 * The body of a function has its own scope, so what the code declares at
 * its top level would die with it. Each such name is declared before the
 * function instead, at the script's top level, where the next run sees it:
 * `let`, `const` and `class` as `let` (a `const` can be assigned again
 * afterwards), `var` (in blocks too) and functions as `var`; the
 * declarations in the body become assignments to them. The last expression
 * statement is returned, so its value is the result. Code with a top-level
 * `return`, or that does not parse, is left as it is: the context then
 * reports its error as for any code.
 *
 * The parser is acorn, Debian's, which the image installs beside Node.js
 * (images/node/Dockerfile): without it no code is rewritten.
 */
export const NODE_TOP_LEVEL_AWAIT = String.raw`
  const awaitable = (() => {
    const PREFIX = '(async () => { ';
    // Their await, return and var are their own; a class's static block scopes its vars too.
    const SCOPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'StaticBlock']);
    let acorn;

    const parse = (source) => {
      if (acorn === undefined) {
        try {
          acorn = require('acorn');
        } catch {
          acorn = null;
        }
      }
      if (!acorn) return null;
      try {
        return acorn.parse(source, { ecmaVersion: 'latest' });
      } catch {
        return null;
      }
    };

    const childrenOf = (node) => {
      const children = [];
      for (const [key, value] of Object.entries(node)) {
        if (key === 'loc') continue;
        for (const child of Array.isArray(value) ? value : [value]) if (child && typeof child.type === 'string') children.push(child);
      }
      return children;
    };

    const namesIn = (pattern, names) => {
      if (!pattern) return names;
      if (pattern.type === 'Identifier') names.push(pattern.name);
      else if (pattern.type === 'ObjectPattern') for (const property of pattern.properties) namesIn(property.type === 'RestElement' ? property.argument : property.value, names);
      else if (pattern.type === 'ArrayPattern') for (const element of pattern.elements) namesIn(element, names);
      else if (pattern.type === 'AssignmentPattern') namesIn(pattern.left, names);
      else if (pattern.type === 'RestElement') namesIn(pattern.argument, names);
      return names;
    };

    /** Edits of the wrapped source, by code unit: text put before or after one, or in its place. */
    const editor = (source) => {
      const units = source.split('');
      return {
        before: (at, text) => (units[at] = text + units[at]),
        after: (end, text) => (units[end - 1] += text),
        replace: (from, to, text) => {
          units.fill('', from, to);
          units[from] = text;
        },
        text: () => units.join(''),
      };
    };

    /** A declaration turned into assignments to the names it declares (hoisted before the function). */
    const assign = (declaration, parent, state) => {
      const hoisted = declaration.kind === 'var' ? state.vars : state.lets;
      for (const declarator of declaration.declarations) namesIn(declarator.id, hoisted);
      if ((parent.type === 'ForInStatement' || parent.type === 'ForOfStatement') && parent.left === declaration) {
        state.edit.replace(declaration.start, declaration.start + declaration.kind.length, '');
        return;
      }
      state.edit.replace(declaration.start, declaration.start + declaration.kind.length, 'void (');
      for (const declarator of declaration.declarations) {
        state.edit.before(declarator.start, '(');
        state.edit.after(declarator.end, ')');
      }
      state.edit.after(declaration.declarations[declaration.declarations.length - 1].end, ')');
    };

    const visit = (node, parent, state) => {
      const topLevel = parent === state.body;
      if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node.await)) state.awaits = true;
      else if (node.type === 'ReturnStatement') state.returns = true;
      else if (node.type === 'VariableDeclaration' && (node.kind === 'var' || topLevel)) assign(node, parent, state);
      else if (node.type === 'FunctionDeclaration' && topLevel) {
        state.vars.push(node.id.name);
        state.edit.before(node.start, 'this.' + node.id.name + ' = ' + node.id.name + '; ');
      } else if (node.type === 'ClassDeclaration' && topLevel) {
        state.lets.push(node.id.name);
        state.edit.before(node.start, node.id.name + ' = ');
        state.edit.after(node.end, ';');
      }
      if (SCOPES.has(node.type)) return;
      for (const child of childrenOf(node)) visit(child, node, state);
    };

    return (code) => {
      if (!code.includes('await')) return null;
      const wrapped = PREFIX + code + '\n})()';
      const program = parse(wrapped);
      if (!program) return null;
      const body = program.body[0].expression.callee.body;
      const state = { body, edit: editor(wrapped), vars: [], lets: [], awaits: false, returns: false };
      for (const statement of body.body) visit(statement, body, state);
      if (!state.awaits || state.returns) return null;
      const last = body.body[body.body.length - 1];
      if (last && last.type === 'ExpressionStatement') {
        state.edit.before(last.start, 'return (');
        state.edit.after(last.expression.end, ')');
      }
      const declare = (kind, names) => (names.length ? kind + ' ' + [...new Set(names)].join(', ') + '; ' : '');
      // On the first line, so the code's own lines keep their numbers in a stack trace.
      return declare('var', state.vars) + declare('let', state.lets) + state.edit.text();
    };
  })();
`;
