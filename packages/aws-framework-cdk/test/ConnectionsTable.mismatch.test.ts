// A ConnectionsTable built against an aws-framework whose table definition it cannot read (a
// version this package does not support) fails with a named error rather than a half-made table.
import { describe, expect, it, vi } from 'vitest';
import { ConnectionsTable, IncompatibleTableDefinitionError } from '../src/index.js';
import { unbundledStack } from './synth.js';

const drift = vi.hoisted(() => ({ projection: 'KEYS_ONLY', dropAttribute: false }));

vi.mock('aws-framework/dynamodb', async (importOriginal) => {
  const real = await importOriginal<typeof import('aws-framework/dynamodb')>();
  return {
    ...real,
    connectionsTableDefinition: (tableName: string) => {
      const definition = real.connectionsTableDefinition(tableName);
      return {
        ...definition,
        AttributeDefinitions: drift.dropAttribute ? [] : definition.AttributeDefinitions,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.map((index) => ({
          ...index,
          Projection: { ProjectionType: drift.projection },
        })),
      };
    },
  };
});

describe('ConnectionsTable against a table definition it does not support', () => {
  it('throws IncompatibleTableDefinitionError for a key without an attribute type', async () => {
    drift.dropAttribute = true;
    vi.resetModules();
    const fresh = await import('../src/index.js');
    expect(() => new fresh.ConnectionsTable(unbundledStack(), 'Connections')).toThrow(
      fresh.IncompatibleTableDefinitionError,
    );
    expect(() => new fresh.ConnectionsTable(unbundledStack(), 'Connections')).toThrow(
      /no attribute definition for/,
    );
    drift.dropAttribute = false;
  });

  it('throws IncompatibleTableDefinitionError for an INCLUDE projection', async () => {
    drift.projection = 'INCLUDE';
    vi.resetModules();
    const fresh = await import('../src/index.js');
    const error = (() => {
      try {
        new fresh.ConnectionsTable(unbundledStack(), 'Connections');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(fresh.IncompatibleTableDefinitionError);
    expect((error as Error).name).toBe('IncompatibleTableDefinitionError');
    expect((error as Error).message).toMatch(/no supported projection for index byGroup: INCLUDE/);
    drift.projection = 'KEYS_ONLY';
  });

  it('builds the table when the definition is the supported one', () => {
    expect(() => new ConnectionsTable(unbundledStack(), 'Connections')).not.toThrow();
    expect(IncompatibleTableDefinitionError.prototype).toBeInstanceOf(Error);
  });
});
