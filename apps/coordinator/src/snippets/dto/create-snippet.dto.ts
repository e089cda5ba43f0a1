import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { SourceFileDto, TestCaseDto } from '../../jobs/dto/create-job.dto';

/**
 * The body of POST /snippets: the program part of a job request (what the
 * playground shares), without limits, queues or webhooks.
 */
export class CreateSnippetDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  language: string;

  @IsOptional()
  @IsString()
  code?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files?: SourceFileDto[];

  @IsOptional()
  @IsString()
  stdin?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4096)
  @IsString({ each: true })
  args?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => TestCaseDto)
  tests?: TestCaseDto[];
}
