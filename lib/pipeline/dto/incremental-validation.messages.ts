/** What the start-up log says when a DTO, or part of it, cannot be validated incrementally. */
export const incrementalValidationMessages = {
  validatedInFull: (where: string, dto: string, reason: string) =>
    `${dto} (config ${where}) is validated in full on every reload: ${reason}.`,
  validatedWhole: (where: string, dto: string, reason: string) =>
    `${dto} (config ${where}) is transformed and validated whole whenever anything in it ` +
    `changes: ${reason}.`,
};
