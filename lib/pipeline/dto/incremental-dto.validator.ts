import type { Type } from '@nestjs/common';
import type { UnknownKeys } from '../../interfaces/index.js';
import { ConfigValidationError } from '../../config-reloader.errors.js';
import { changedNodesValidation, type ChangedNodesValidation } from './changed-nodes.validator.js';
import { analyseDtoReach, type DtoReach } from './dto-reach.analysis.js';
import type { ValidatorOptions } from 'class-validator';
import { validateDto } from './dto.validator.js';
import { incrementalValidationMessages } from './incremental-validation.messages.js';
import { transformChanged } from './incremental.transform.js';
import { shareUnchanged } from '../structural-sharing.js';
import type { SecretKeyMatcher } from '../../change/secret-redaction.js';
import { dtoValidatorOptions, editorKeyLeftOut } from './unknown-keys.js';
import { loadValidationExecutor, type ExecutorModuleLoader } from './validation-executor.loader.js';

/** The config in force and the parsed JSON it was made from. */
export interface PreviousDto<T> {
  config: T;
  plain: Record<string, unknown>;
}

/** A validated DTO instance, with the nodes it took over from the config in force (frozen already). */
export interface ValidatedDto<T> {
  instance: T;
  frozen: WeakSet<object>;
}

export interface IncrementalDtoValidatorOptions {
  /** @default 'allow' */
  unknownKeys?: UnknownKeys;
  /** Keys "did you mean" never names nor looks under. */
  isSecretKey?: SecretKeyMatcher;
  /** Told once, when class-validator's executor cannot be used, that every reload is validated in full, and why. */
  warn?: (message: string) => void;
  /** Where class-validator's executor is loaded from (a test plays a class-validator without it). */
  loadExecutor?: ExecutorModuleLoader;
}

/**
 * Transforms and validates a parsed config into the DTO, paying for what changed: with the
 * config in force at hand (and the parsed JSON sharing its unchanged subtrees with the one that
 * config came from), only changed objects are made and validated, plus every object above them,
 * whose own rules run again. A DTO whose rules' reach cannot be known is validated in full.
 * Whatever the path, it accepts and refuses exactly what full validation does: when the changed
 * nodes fail, full validation runs and its issues are the ones reported.
 */
export class IncrementalDtoValidator<T extends object> {
  readonly reach: DtoReach;
  private readonly options: ValidatorOptions;
  private readonly leaveOutEditorKey: (plain: Record<string, unknown>) => Record<string, unknown>;
  /** Loaded on the first reload that can be incremental; `false` when it cannot be. */
  private changedNodes?: ChangedNodesValidation | false;

  constructor(
    private readonly dto: Type<T>,
    /** Where the config comes from, for errors. */
    private readonly where: string,
    private readonly settings: IncrementalDtoValidatorOptions = {},
  ) {
    this.reach = analyseDtoReach(dto);
    this.options = dtoValidatorOptions(settings.unknownKeys);
    this.leaveOutEditorKey = editorKeyLeftOut(dto, settings.unknownKeys);
  }

  async validate(
    parsed: Record<string, unknown>,
    previous?: PreviousDto<T>,
  ): Promise<ValidatedDto<T>> {
    // The root is new on every change anyway; what it shares below it stays shared.
    const plain = this.leaveOutEditorKey(parsed);
    const validateChangedNodes = previous && !this.reach.full && this.changedNodesValidation();
    // `false`: class-validator's executor cannot be used (said once); validate in full.
    if (previous && validateChangedNodes) {
      const changed = transformChanged(
        this.dto,
        plain,
        this.leaveOutEditorKey(previous.plain),
        previous.config,
        this.reach,
      );
      const errors = await validateChangedNodes(changed.instance, changed.trusted, this.options);
      if (errors.length === 0) return { instance: changed.instance, frozen: changed.frozen };
    }
    // class-transformer copies the parsed object, so `plain` stays untouched for diffing; but a
    // discriminator deletes its key from the input, which shares nodes with earlier documents.
    const input = this.reach.rewritesInput ? structuredClone(plain) : plain;
    const result = await validateDto(this.dto, input, this.options, this.settings.isSecretKey);
    if (!result.ok) throw new ConfigValidationError(this.where, result.issues);
    const { value, reused } = shareUnchanged(result.instance, previous?.config);
    return { instance: value, frozen: reused };
  }

  private changedNodesValidation(): ChangedNodesValidation | false {
    if (this.changedNodes === undefined) {
      const executor = loadValidationExecutor(this.settings.loadExecutor);
      if (typeof executor === 'string') {
        this.changedNodes = false;
        const { where, dto } = this;
        this.settings.warn?.(
          incrementalValidationMessages.validatedInFull(where, dto.name, executor),
        );
      } else {
        this.changedNodes = changedNodesValidation(executor);
      }
    }
    return this.changedNodes;
  }
}
