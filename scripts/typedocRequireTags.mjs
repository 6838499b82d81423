// @ts-check
/**
 * TypeDoc plugin: the tags `validation.notDocumented` cannot check, checked as warnings (which
 * `treatWarningsAsErrors` turns into a failed `pnpm run docs`):
 *
 * - every exported function and class has an `@example` that imports it from its public path
 *   (`import { connections } from 'aws-framework'`, not a relative or `src/` path);
 * - every optional property of an options type (a name ending in `Options`, `Props` or
 *   `Overrides`) has a `@default`;
 * - every function, constructor or method whose body can throw has a `@throws`. "Can throw" is
 *   read from the source: a `throw` outside a try block that catches it, or a call to one of our
 *   own functions that can throw (followed through the package by name, so it errs towards asking
 *   for a `@throws` rather than missing one). Closures inside the body run later and are not counted.
 */

import { Application, Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

const OPTIONS_TYPE_NAME = /(Options|Props|Overrides)$/;

/** @param {import('typedoc').Application} app */
export function load(app) {
  /** Reflection → whether its TypeScript declaration's body can throw. */
  const throwsBySignature = new WeakMap();
  /** Per program: names of our top-level functions whose bodies can throw. */
  const throwingNamesByProgram = new WeakMap();

  app.converter.on(Converter.EVENT_CREATE_SIGNATURE, (context, signature, declaration) => {
    if (!declaration || declaration.getSourceFile().fileName.includes('/node_modules/')) return;
    const body = bodyOf(declaration);
    if (!body) return;
    let names = throwingNamesByProgram.get(context.program);
    if (!names) {
      names = throwingFunctionNames(context.program);
      throwingNamesByProgram.set(context.program, names);
    }
    throwsBySignature.set(signature, canThrow(body, names));
  });

  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    // With entryPointStrategy "packages" each package's project is validated as it is converted,
    // then the merged site once more under the root options: the packages' checks are enough.
    if (app.options.getValue('entryPointStrategy') === 'packages') return;
    for (const reflection of Object.values(project.reflections)) {
      if (!isOurs(reflection)) continue;
      const where = reflection.getFriendlyFullName();

      if (reflection.kindOf(ReflectionKind.Function) || reflection.kindOf(ReflectionKind.Class)) {
        const publicPath = publicPathOf(reflection, project);
        const comment = reflection.kindOf(ReflectionKind.Class)
          ? reflection.comment
          : (reflection.comment ?? reflection.signatures?.[0]?.comment);
        if (!importsItself(comment, reflection.name, publicPath)) {
          app.logger.warn(
            `${where} has no @example that imports it: add one with import { ${reflection.name} } from '${publicPath}'`,
          );
        }
      }

      if (
        reflection.kindOf(ReflectionKind.Property) &&
        reflection.flags.isOptional &&
        isOptionsType(reflection.parent) &&
        !reflection.comment?.getTag('@default')
      ) {
        app.logger.warn(`${where} is an optional option without a @default`);
      }

      for (const signature of reflection.signatures ?? []) {
        if (throwsBySignature.get(signature) !== true) continue;
        const comment = signature.comment ?? reflection.comment;
        if (!comment?.getTag('@throws')) {
          app.logger.warn(`${where} can throw but its documentation has no @throws`);
        }
      }
    }
  });
}

/**
 * The body that runs for a signature: its own, or for an overload (which has none) the body of the
 * implementation that follows it, so `routes(table)` and `routes(contract, …)` are both checked.
 * @param {ts.Node} declaration
 */
function bodyOf(declaration) {
  if ('body' in declaration && declaration.body) return /** @type {ts.Node} */ (declaration.body);
  if (!ts.isFunctionDeclaration(declaration) || !declaration.name) return undefined;
  const name = declaration.name.text;
  const siblings = /** @type {readonly ts.Statement[]} */ (
    /** @type {any} */ (declaration.parent).statements ?? []
  );
  const implementation = siblings.find(
    (statement) => ts.isFunctionDeclaration(statement) && statement.name?.text === name && statement.body,
  );
  return implementation && ts.isFunctionDeclaration(implementation) ? implementation.body : undefined;
}

/** @param {import('typedoc').Reflection} reflection */
function isOurs(reflection) {
  const sources = 'sources' in reflection ? /** @type {any} */ (reflection).sources : undefined;
  const file = sources?.[0]?.fullFileName ?? sources?.[0]?.fileName;
  return typeof file === 'string' && !file.includes('/node_modules/');
}

/** @param {import('typedoc').Reflection | undefined} parent */
function isOptionsType(parent) {
  // A type alias's object literal sits one level down, under a `__type` reflection.
  let owner = parent;
  if (owner?.kindOf(ReflectionKind.TypeLiteral)) owner = owner.parent;
  return (
    owner?.kindOf(ReflectionKind.Interface | ReflectionKind.TypeAlias) === true &&
    OPTIONS_TYPE_NAME.test(owner.name)
  );
}

/**
 * The specifier a user imports the reflection from: the package name for its main entry point,
 * `package/sub` for an entry point named `sub`.
 * @param {import('typedoc').Reflection} reflection
 * @param {import('typedoc').ProjectReflection} project
 */
function publicPathOf(reflection, project) {
  let module = reflection.parent;
  while (module && !module.kindOf(ReflectionKind.Module) && !module.isProject()) module = module.parent;
  const packageName = project.packageName ?? project.name;
  if (!module || module.isProject() || module.name === 'index') return packageName;
  return `${packageName}/${module.name}`;
}

/**
 * @param {import('typedoc').Comment | undefined} comment
 * @param {string} name
 * @param {string} publicPath
 */
function importsItself(comment, name, publicPath) {
  const examples = comment?.blockTags.filter((tag) => tag.tag === '@example') ?? [];
  const escaped = publicPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const importLine = new RegExp(`import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from\\s*['"]${escaped}['"]`);
  return examples.some((tag) => importLine.test(tag.content.map((part) => part.text).join('')));
}

/**
 * Names of the program's own top-level functions (and `const f = () => …`) whose bodies can
 * throw, found by repeating the search until no new name is added.
 * @param {ts.Program} program
 */
function throwingFunctionNames(program) {
  /** @type {Map<string, ts.Node>} */
  const bodies = new Map();
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || file.fileName.includes('/node_modules/')) continue;
    for (const statement of file.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
        bodies.set(statement.name.text, statement.body);
      }
      if (ts.isVariableStatement(statement)) {
        for (const variable of statement.declarationList.declarations) {
          const init = variable.initializer;
          if (
            ts.isIdentifier(variable.name) &&
            init &&
            (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
          ) {
            bodies.set(variable.name.text, init.body);
          }
        }
      }
    }
  }
  /** @type {Set<string>} */
  const names = new Set();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, body] of bodies) {
      if (!names.has(name) && canThrow(body, names)) {
        names.add(name);
        grew = true;
      }
    }
  }
  return names;
}

/**
 * Whether running `body` can throw: a `throw`, or a call to a name in `throwingNames`, that no
 * enclosing `try … catch` in the body absorbs (a throw inside the catch clause still counts).
 * @param {ts.Node} body
 * @param {Set<string>} throwingNames
 */
function canThrow(body, throwingNames) {
  /** @param {ts.Node} node @returns {boolean} */
  const visit = (node) => {
    if (node !== body && ts.isFunctionLike(node)) return false;
    if (ts.isThrowStatement(node)) return true;
    if (ts.isTryStatement(node) && node.catchClause) {
      return visit(node.catchClause.block) || (node.finallyBlock !== undefined && visit(node.finallyBlock));
    }
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && calleeName(node) !== undefined) {
      if (throwingNames.has(/** @type {string} */ (calleeName(node)))) return true;
    }
    return ts.forEachChild(node, visit) === true;
  };
  return visit(body);
}

/** @param {ts.CallExpression | ts.NewExpression} call */
function calleeName(call) {
  return ts.isIdentifier(call.expression) ? call.expression.text : undefined;
}
