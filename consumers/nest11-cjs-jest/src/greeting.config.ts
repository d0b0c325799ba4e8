import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';

/** The shape of greeting.json, validated by class-validator on every load and reload. */
export class GreetingConfig {
  @IsString()
  @IsNotEmpty()
  greeting!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  repeat!: number;
}
